//! The CAA part of the tour: zone text and wire both ways, the climb of RFC 8659
//! section 3 over an embedded zone, and the decisions a CA makes there.

use hostkit_caa::{Builder, Caa, CaaRef, Property, Request, StaticZone, Verdict};

use super::Report;

pub(crate) async fn run(report: &mut Report) -> anyhow::Result<()> {
    report.section("CAA records (hostkit-caa)");

    // A hosting panel's records for shop.example, built and printed as zone text.
    let published = Builder::new()
        .issue("letsencrypt.org")
        .issue_with(
            "ca.example",
            &[
                ("accounturi", "https://ca.example/acct/42"),
                ("validationmethods", "dns-01"),
            ],
        )
        .deny_wildcard()
        .iodef("mailto:security@shop.example")
        .build()?;
    for r in &published {
        report.line(format!("shop.example. CAA {r}"));
    }

    // Every record goes to the wire and back, byte for byte and text for text.
    let odd: Caa = r#"131 IsSuE "quote\"back\\slash\255 and more""#.parse()?;
    let all_round_trip = published.iter().chain([&odd]).all(|r| {
        let wire = r.to_wire();
        CaaRef::decode(&wire)
            .is_ok_and(|v| v.to_wire() == wire && v.to_string().parse::<Caa>().as_ref() == Ok(r))
    });
    report.check(
        "text -> wire -> text is stable, reserved flags, tag case and odd bytes kept",
        all_round_trip,
    );
    if let Property::Issue(v) = odd.property() {
        report.line(format!(
            "{odd}: malformed issue value ({}), so it denies every CA",
            v.malformed().map(|m| m.to_string()).unwrap_or_default()
        ));
    }

    let mut zone = StaticZone::new();
    for r in published {
        zone.add_caa("shop.example", r);
    }
    zone.add_cname("www.shop.example", "edge.cdn.example.");
    zone.add_caa("cdn.example", "0 issue \"other-ca.example\"".parse()?);
    zone.add_caa("legacy.shop.example", "0 issue \"ca.example\"".parse()?);
    zone.add_caa("legacy.shop.example", "128 tbs \"Unknown\"".parse()?);

    let outcome = zone.discover("www.shop.example")?;
    let relevant = match &outcome {
        hostkit_caa::Outcome::Found { relevant_name, .. } => relevant_name.as_str(),
        _ => "none",
    };
    report.check(
        format!(
            "www.shop.example is a CNAME to edge.cdn.example (no such name): the climb goes on at {relevant}, not at cdn.example"
        ),
        relevant == "shop.example",
    );
    let le = ["letsencrypt.org"];
    let ca = ["ca.example"];
    let cases: [(&str, Request<'_>, &str, Verdict); 5] = [
        (
            "www.shop.example",
            Request::name(&le),
            "letsencrypt.org",
            Verdict::Permit,
        ),
        (
            "www.shop.example",
            Request::name(&ca)
                .account_uri("https://ca.example/acct/42")
                .method("dns-01"),
            "ca.example, account 42, dns-01",
            Verdict::Permit,
        ),
        (
            "www.shop.example",
            Request::name(&ca)
                .account_uri("https://ca.example/acct/42")
                .method("http-01"),
            "ca.example, account 42, http-01",
            Verdict::Deny,
        ),
        (
            "*.shop.example",
            Request::wildcard(&le),
            "letsencrypt.org",
            Verdict::Deny,
        ),
        (
            "legacy.shop.example",
            Request::name(&ca),
            "ca.example",
            Verdict::Deny,
        ),
    ];
    for (name, req, who, want) in cases {
        let outcome = if name == "www.shop.example" {
            outcome.clone()
        } else {
            zone.discover(name)?
        };
        let d = req.decide_outcome(&outcome);
        report.check(
            format!("{name} for {who}: {} ({d})", d.verdict),
            d.verdict == want,
        );
    }
    Ok(())
}
