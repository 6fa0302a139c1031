//! `hostkit proxy decode|encode`: PROXY protocol headers from and to hex.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use hostkit_proxy_protocol::{
    Addresses, Builder, Command as PpCommand, Error, Header, Parser, RawTlv, Status, TlsVerdict,
    Tlv, Version,
};
use serde_json::{Value, json};

use super::{EXIT_USAGE, decode_hex, encode_hex, finish, usage_error, verdict, write_json_line};

/// The `proxy` verbs.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Decode a header (v1 or v2) given as hex, or as raw bytes on standard input.
    Decode(DecodeArgs),
    /// Build a header and print it as hex.
    #[command(disable_version_flag = true)]
    Encode(EncodeArgs),
}

/// Arguments of `proxy decode`.
#[derive(Debug, Args)]
pub(crate) struct DecodeArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Read raw bytes from standard input instead of a hex argument.
    #[arg(long, conflicts_with = "hex")]
    stdin: bool,
    /// The header (and maybe payload) as hex; spaces and colons are ignored.
    #[arg(required_unless_present = "stdin")]
    hex: Option<String>,
}

/// Arguments of `proxy encode`.
#[derive(Debug, Args)]
pub(crate) struct EncodeArgs {
    /// Protocol version: 1 (text) or 2 (binary).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=2))]
    version: u8,
    /// Client address, IP:PORT (`[v6]:PORT` for IPv6).
    #[arg(long, required_unless_present = "local")]
    src: Option<SocketAddr>,
    /// Address the client connected to, IP:PORT.
    #[arg(long, required_unless_present = "local")]
    dst: Option<SocketAddr>,
    /// v2: the LOCAL command (a health check; addresses optional). v1: `PROXY UNKNOWN`.
    #[arg(long)]
    local: bool,
    /// v2: AUTHORITY TLV (host name).
    #[arg(long, allow_hyphen_values = true)]
    authority: Option<String>,
    /// v2: ALPN TLV (protocol name).
    #[arg(long, allow_hyphen_values = true)]
    alpn: Option<String>,
    /// v2: UNIQUE_ID TLV as hex (at most 128 bytes).
    #[arg(long)]
    unique_id: Option<String>,
    /// v2: any TLV, TYPE=HEX with TYPE decimal or 0x-hex (repeatable).
    #[arg(long = "tlv", value_name = "TYPE=HEX")]
    tlvs: Vec<String>,
    /// v2: add a CRC32C TLV (first, as HAProxy does) and fill it in.
    #[arg(long)]
    crc32c: bool,
}

/// Run a `proxy` verb.
pub(crate) fn run(cmd: Command) -> ExitCode {
    match cmd {
        Command::Decode(a) => decode(a),
        Command::Encode(a) => encode(a),
    }
}

fn decode(a: DecodeArgs) -> ExitCode {
    let (name, bytes) = if a.stdin {
        let mut buf = Vec::new();
        if let Err(e) = io::stdin().lock().read_to_end(&mut buf) {
            return usage_error("stdin", e);
        }
        ("stdin".to_owned(), buf)
    } else {
        let hex = a.hex.unwrap_or_default();
        match decode_hex(&hex) {
            Ok(b) => (hex, b),
            Err(e) => return usage_error(&hex, e),
        }
    };
    let report = Report::of(&bytes);
    let mut out = io::stdout().lock();
    let written = if a.json {
        write_json_line(&mut out, &report.json())
    } else {
        out.write_all(report.text().as_bytes())
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        // A reader that stopped early ends the run quietly.
        return finish(Err(e), "hostkit", "stdout");
    }
    if let Some(e) = &report.error {
        eprintln!("hostkit: {}: {e}", shorten(&name));
    } else if let Some(n) = report.needed {
        eprintln!(
            "hostkit: {}: incomplete header, {n} more bytes needed",
            shorten(&name)
        );
    }
    verdict(report.error.is_none() && report.needed.is_none())
}

/// The input as named in an error line: long hex is cut to its first 40 characters.
fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s.to_owned()
    }
}

/// What `decode` found, for both output forms.
struct Report<'a> {
    header: Option<Header<'a>>,
    needed: Option<usize>,
    error: Option<Error>,
    trailing: usize,
}

impl<'a> Report<'a> {
    fn of(bytes: &'a [u8]) -> Self {
        let mut r = Report {
            header: None,
            needed: None,
            error: None,
            trailing: 0,
        };
        match Parser::new().parse(bytes) {
            Ok(Status::Complete((h, used))) => {
                r.trailing = bytes.len() - used;
                r.header = Some(h);
            }
            Ok(Status::Incomplete { needed }) => r.needed = Some(needed),
            Err(e) => {
                // A wrong checksum still has fields worth showing.
                if let Error::Crc32cMismatch { .. } = e
                    && let Ok(Status::Complete((h, used))) =
                        Parser::new().verify_crc32c(false).parse(bytes)
                {
                    r.trailing = bytes.len() - used;
                    r.header = Some(h);
                }
                r.error = Some(e);
            }
        }
        r
    }

    fn status(&self) -> &'static str {
        match (&self.error, self.needed) {
            (Some(_), _) => "invalid",
            (None, Some(_)) => "incomplete",
            (None, None) => "complete",
        }
    }

    fn json(&self) -> Value {
        let h = self.header.as_ref();
        json!({
            "status": self.status(),
            "version": h.map(|h| h.version().number()),
            "command": h.map(|h| h.command().as_str()),
            "family": h.map(|h| h.family().as_str()),
            "transport": h.map(|h| h.transport().as_str()),
            "source": h.and_then(|h| endpoint(h, true)),
            "destination": h.and_then(|h| endpoint(h, false)),
            "tlvs": h.map_or_else(Vec::new, |h| h.tlvs().map(|t| tlv_json(&t)).collect()),
            "crc32c": h.map(|h| h.crc32c().as_str()),
            "tls": h.and_then(Header::tls_verdict).map(TlsVerdict::as_str),
            "length": h.map(Header::len),
            "trailing": h.map(|_| self.trailing),
            "needed": self.needed,
            "error": self.error.as_ref().map(ToString::to_string),
            "error_code": self.error.as_ref().map(|e| e.kind().as_str()),
            "offset": self.error.as_ref().and_then(Error::offset),
        })
    }

    fn text(&self) -> String {
        let mut s = format!("status: {}\n", self.status());
        if let Some(n) = self.needed {
            s += &format!("needed: {n}\n");
        }
        if let Some(e) = &self.error {
            s += &format!("error: {e}\n");
        }
        if let Some(h) = &self.header {
            s += &format!(
                "version: {}\ncommand: {}\nfamily: {}\ntransport: {}\n",
                h.version().number(),
                h.command().as_str(),
                h.family().as_str(),
                h.transport().as_str()
            );
            s += &format!(
                "source: {}\ndestination: {}\n",
                endpoint(h, true).unwrap_or_else(|| "-".into()),
                endpoint(h, false).unwrap_or_else(|| "-".into())
            );
            if let Addresses::Unix {
                source,
                destination,
            } = h.addresses()
            {
                s += &format!(
                    "unix source: {}\nunix destination: {}\n",
                    path(source),
                    path(destination)
                );
            }
            s += &format!("length: {}\ncrc32c: {}\n", h.len(), h.crc32c().as_str());
            if let Some(t) = h.tls_verdict() {
                s += &format!("tls: {}\n", t.as_str());
            }
            for t in h.tlvs() {
                s += &format!("tlv {}\n", tlv_text(&t));
                if let Tlv::Ssl(ssl) = t.decode() {
                    s += &format!("  client {:#04x} verify {}\n", ssl.client(), ssl.verify());
                    for sub in ssl.tlvs() {
                        s += &format!("  tlv {}\n", tlv_text(&sub));
                    }
                }
            }
            if self.trailing > 0 {
                s += &format!("payload after header: {} bytes\n", self.trailing);
            }
        }
        s
    }
}

fn path(p: &[u8]) -> String {
    let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
    String::from_utf8_lossy(&p[..end]).into_owned()
}

/// `"ip:port"` / `"[ip6]:port"` of the address block (LOCAL included), or None.
fn endpoint(h: &Header<'_>, source: bool) -> Option<String> {
    let a = h.addresses();
    let s = if source { a.source() } else { a.destination() };
    s.map(|s| s.to_string())
}

fn tlv_json(t: &RawTlv<'_>) -> Value {
    let mut v = json!({
        "type": t.kind(),
        "name": t.name(),
        "value_hex": encode_hex(t.value()),
    });
    match t.decode() {
        Tlv::Ssl(ssl) => {
            v["client"] = json!(ssl.client());
            v["verify"] = json!(ssl.verify());
            v["sub_tlvs"] = ssl.tlvs().map(|s| tlv_json(&s)).collect();
        }
        other => {
            if let Some(text) = readable(&other) {
                v["value"] = json!(text);
            }
        }
    }
    v
}

/// The value in words for the typed TLVs that have one.
fn readable(t: &Tlv<'_>) -> Option<String> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Some(match *t {
        Tlv::Alpn(v)
        | Tlv::Authority(v)
        | Tlv::SslVersion(v)
        | Tlv::SslCn(v)
        | Tlv::SslCipher(v)
        | Tlv::SslSigAlg(v)
        | Tlv::SslKeyAlg(v)
        | Tlv::SslGroup(v)
        | Tlv::SslSigScheme(v)
        | Tlv::Netns(v)
        | Tlv::AwsVpceId(v) => text(v),
        Tlv::Crc32c(c) => format!("{c:#010x}"),
        Tlv::AzureLinkId(id) => id.to_string(),
        Tlv::GcpPscConnectionId(id) => id.to_string(),
        _ => return None,
    })
}

fn tlv_text(t: &RawTlv<'_>) -> String {
    let name = t.name().unwrap_or("unknown");
    match readable(&t.decode()) {
        Some(v) => format!("{:#04x} {name}: {v}", t.kind()),
        None => format!(
            "{:#04x} {name}: {} bytes {}",
            t.kind(),
            t.value().len(),
            encode_hex(t.value())
        ),
    }
}

fn encode(a: EncodeArgs) -> ExitCode {
    match build(&a).and_then(|b| b.to_vec().map_err(|e| e.to_string())) {
        Ok(bytes) => {
            println!("{}", encode_hex(&bytes));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hostkit: proxy encode: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn build(a: &EncodeArgs) -> Result<Builder, String> {
    let ends = match (a.src, a.dst) {
        (Some(s), Some(d)) => Some((s, d)),
        (None, None) => None,
        _ => return Err("--src and --dst go together".into()),
    };
    if a.version == 1 {
        if a.authority.is_some()
            || a.alpn.is_some()
            || a.unique_id.is_some()
            || !a.tlvs.is_empty()
            || a.crc32c
        {
            return Err("a v1 line carries no tlvs".into());
        }
        return Ok(match (a.local, ends) {
            (true, _) => Builder::v1_unknown(),
            (false, Some((s, d))) => Builder::v1(s, d),
            (false, None) => return Err("--src and --dst are required".into()),
        });
    }
    let mut b = match (a.local, ends) {
        (true, None) => Builder::v2_local(),
        (true, Some((s, d))) => Builder::with_addresses(
            Version::V2,
            PpCommand::Local,
            Addresses::from_socket_addrs(s, d),
        ),
        (false, Some((s, d))) => Builder::v2(s, d),
        (false, None) => return Err("--src and --dst are required".into()),
    };
    if a.crc32c {
        b = b.crc32c();
    }
    if let Some(p) = &a.alpn {
        b = b.alpn(p.as_bytes());
    }
    if let Some(h) = &a.authority {
        b = b.authority(h);
    }
    if let Some(u) = &a.unique_id {
        b = b.unique_id(&decode_hex(u).map_err(|e| format!("--unique-id: {e}"))?);
    }
    for t in &a.tlvs {
        let (kind, hex) = t
            .split_once('=')
            .ok_or_else(|| format!("--tlv {t}: expected TYPE=HEX"))?;
        let kind = match kind.strip_prefix("0x").or_else(|| kind.strip_prefix("0X")) {
            Some(h) => u8::from_str_radix(h, 16),
            None => kind.parse(),
        }
        .map_err(|_| format!("--tlv {t}: TYPE is 0-255 or 0x00-0xff"))?;
        let value = decode_hex(hex).map_err(|e| format!("--tlv {t}: {e}"))?;
        b = b.tlv(kind, &value);
    }
    Ok(b)
}
