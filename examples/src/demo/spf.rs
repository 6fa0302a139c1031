//! The SPF part of the tour: parse and build records, then run check_host() against an
//! embedded zone, once passing and once failing with the domain's explanation.

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
    Ok(())
}
