//! The SPF part of the tour: parse and build records, then run check_host() against an
//! embedded zone, once passing and once failing with the domain's explanation; then lint
//! a customer's whole include tree and flatten it under the lookup limit.

use hostkit_examples::spf_zone::Zone;
use hostkit_spf::{Evaluator, Qualifier, Record, RecordBuilder, SpfResult, lint, received_spf};

use super::Report;

const ZONE: &str = r#"
example.com:
  - TXT: "v=spf1 mx include:_spf.example.net -all exp=why.example.com"
  - MX: [10, mx.example.com]
mx.example.com:
  - A: 192.0.2.25
_spf.example.net:
  - TXT: ["v=spf1 ip4:198.51.100.0/24", " ip6:2001:db8::/32 ~all"]
why.example.com:
  - TXT: "%{i} may not send mail for %{d}: see https://example.com/spf"
"#;

pub(crate) async fn run(report: &mut Report) -> anyhow::Result<()> {
    report.section("SPF (RFC 7208): parse, build, lint, sans-IO check_host()");
    let record: Record = "V=SPF1  MX Include:_spf.example.net  ?ALL".parse()?;
    report.line(format!("parsed and canonical: {record}"));
    let warnings = lint(&record);
    for w in &warnings {
        report.line(format!("lint {w}"));
    }
    report.check(
        "lint flags the permissive ?all as SPF003",
        warnings.iter().any(|w| w.code.code() == "SPF003"),
    );
    let built = RecordBuilder::new()
        .mx()
        .ip4("192.0.2.0".parse()?, Some(24))
        .include("_spf.example.net")
        .all(Qualifier::Fail)
        .build()?;
    report.check(
        format!("builder writes {built} and it parses back"),
        built.to_string().parse::<Record>()? == built,
    );
    report.check(
        "a CIDR with a leading zero is rejected with its offset",
        "v=spf1 ip4:192.0.2.0/024 -all"
            .parse::<Record>()
            .is_err_and(|e| e.offset == 21),
    );

    let zone = Zone::from_yaml(ZONE).map_err(anyhow::Error::msg)?;
    let pass = Evaluator::check_host("198.51.100.7".parse()?, "example.com", "alice@example.com")
        .helo("mail.example.net")
        .run(|q| zone.answer(q));
    report.line(format!(
        "198.51.100.7 for alice@example.com: {} via {} ({} lookups, {} queries)",
        pass.result,
        pass.mechanism.as_deref().unwrap_or("-"),
        pass.lookups,
        pass.queries
    ));
    report.check(
        "the included network passes",
        pass.result == SpfResult::Pass,
    );
    report.line(received_spf(&pass, "mx.example.org"));

    let fail = Evaluator::check_host("203.0.113.9".parse()?, "example.com", "alice@example.com")
        .run(|q| zone.answer(q));
    report.line(format!(
        "203.0.113.9 for alice@example.com: {}: {}",
        fail.result,
        fail.explanation.as_deref().unwrap_or("")
    ));
    report.check(
        "a stranger fails with the domain's own explanation",
        fail.result == SpfResult::Fail
            && fail.explanation.as_deref()
                == Some(
                    "203.0.113.9 may not send mail for example.com: see https://example.com/spf",
                ),
    );
    tree(report)
}

/// A customer with four mail providers: 23 lookups for a client that matches nothing.
const CUSTOMER: &str = r#"
shop.example:
  - TXT: "v=spf1 mx include:_spf.mailhost.example include:spf.crm.example include:_spf.news.example include:helpdesk.example -all"
  - MX: [10, mx.shop.example]
mx.shop.example:
  - A: 192.0.2.25
_spf.mailhost.example:
  - TXT: "v=spf1 include:_nb1.mailhost.example include:_nb2.mailhost.example include:_nb3.mailhost.example ~all"
_nb1.mailhost.example:
  - TXT: "v=spf1 ip4:198.51.100.0/25 ip4:198.51.100.128/25 ~all"
_nb2.mailhost.example:
  - TXT: "v=spf1 -ip4:203.0.113.66 ip4:203.0.113.64/26 ~all"
_nb3.mailhost.example:
  - TXT: "v=spf1 ip6:2001:db8:100::/48 ~all"
spf.crm.example:
  - TXT: "v=spf1 a:out1.crm.example a:out2.crm.example/30 mx:crm.example -all"
crm.example:
  - MX: [10, in.crm.example]
in.crm.example:
  - A: 198.18.0.1
out1.crm.example:
  - A: 198.18.0.10
out2.crm.example:
  - A: 198.18.1.4
_spf.news.example:
  - TXT: "v=spf1 include:a.news.example include:b.news.example include:c.news.example include:d.news.example ?all"
a.news.example:
  - TXT: "v=spf1 a:sa.news.example -all"
b.news.example:
  - TXT: "v=spf1 a:sb.news.example -all"
c.news.example:
  - TXT: "v=spf1 a:sc.news.example -all"
d.news.example:
  - TXT: "v=spf1 a:sd.news.example -all"
sa.news.example:
  - A: 100.64.1.1
sb.news.example:
  - A: 100.64.1.2
sc.news.example:
  - A: 100.64.1.3
sd.news.example:
  - A: 100.64.2.1
helpdesk.example:
  - TXT: "v=spf1 include:_out.helpdesk.example a:relay.helpdesk.example -all"
  - MX: [10, mx.helpdesk.example]
_out.helpdesk.example:
  - TXT: "v=spf1 a:smtp.helpdesk.example mx:helpdesk.example ~all"
smtp.helpdesk.example:
  - A: 192.0.2.140
mx.helpdesk.example:
  - A: 192.0.2.141
relay.helpdesk.example:
  - A: 192.0.2.142
  - AAAA: 2001:db8:142::1
"#;

/// The whole tree: lint it for every client at once, then flatten it.
pub(crate) fn tree(report: &mut Report) -> anyhow::Result<()> {
    use hostkit_spf::{Answer, FlattenOptions, TreeWalker, flatten};
    report.section("SPF: lint the whole include tree, then flatten it under 10 lookups");
    let zone = Zone::from_yaml(CUSTOMER).map_err(anyhow::Error::msg)?;
    let tree = TreeWalker::new("shop.example").run(|q| zone.answer(q));
    report.line(format!(
        "shop.example uses four providers: {} lookups for a client that matches nothing",
        tree.lookups_worst
    ));
    report.check(
        "the lint counts 23 lookups and says some client gets permerror",
        tree.lookups_worst == 23 && tree.permerror_possible,
    );
    let late = "192.0.2.142".parse()?;
    let before =
        Evaluator::check_host(late, "shop.example", "orders@shop.example").run(|q| zone.answer(q));
    report.check(
        format!(
            "the helpdesk's relay 192.0.2.142, reached last, gets {} today",
            before.result
        ),
        before.result == SpfResult::PermError,
    );
    let flat = flatten(&tree, &FlattenOptions::default())?;
    for r in &flat.records {
        report.line(format!("{} TXT \"{}\"", r.name, r.value));
    }
    report.line(format!(
        "a snapshot of {} names: flatten again when their addresses change",
        flat.frozen.len()
    ));
    report.check(
        format!(
            "flattened: {} lookups, every record at most 255 bytes",
            flat.lookups
        ),
        flat.lookups <= 10 && flat.records.iter().all(|r| r.value.len() <= 255),
    );
    let records: Vec<(String, String)> = flat
        .records
        .iter()
        .map(|r| (r.name.clone(), r.value.clone()))
        .collect();
    let answer = |q: &hostkit_spf::Query| match records.iter().find(|(n, _)| *n == q.name) {
        Some((_, v)) if q.qtype.as_str() == "TXT" => Answer::Txt(vec![vec![v.as_bytes().to_vec()]]),
        _ => zone.answer(q),
    };
    let mut all_pass = true;
    for ip in [
        "192.0.2.25",
        "198.51.100.200",
        "203.0.113.70",
        "198.18.1.6",
        "100.64.2.1",
        "192.0.2.142",
        "2001:db8:142::1",
    ] {
        let o =
            Evaluator::check_host(ip.parse()?, "shop.example", "orders@shop.example").run(answer);
        report.line(format!("{ip}: {} in {} lookups", o.result, o.lookups));
        all_pass &= o.result == SpfResult::Pass && o.lookups <= 10;
    }
    report.check(
        "every provider's servers pass on the flattened records",
        all_pass,
    );
    let hole = Evaluator::check_host(
        "203.0.113.66".parse()?,
        "shop.example",
        "orders@shop.example",
    )
    .run(answer);
    let stranger = Evaluator::check_host(
        "203.0.113.9".parse()?,
        "shop.example",
        "orders@shop.example",
    )
    .run(answer);
    report.check(
        format!(
            "the hole a provider carved (203.0.113.66) and a stranger still fail: {}, {}",
            hole.result, stranger.result
        ),
        hole.result == SpfResult::Fail && stranger.result == SpfResult::Fail,
    );
    Ok(())
}
