//! Pairing: links the findings that are parts of one credential, so a reviewer
//! sees the whole thing (and knows what to revoke together).
//!
//! - AWS: an access key ID, its secret access key and (for `ASIA` keys) the session
//!   token, found within a few lines of each other (credentials files, env blocks,
//!   `aws sts` JSON output).
//! - Slack: an `xoxc-` session token and the `d=xoxd-` cookie it needs, anywhere in
//!   the same blob (a HAR or a browser dump can put them far apart).
//! - Atlassian: an `ATATT` API token and the account e-mail next to it (the token
//!   only works with Basic `email:token`); the e-mail is not a finding of its own, so
//!   it is linked under the pseudo rule id `atlassian-account-email`.
//!
//! Links are added to `Finding::related` in both directions; nothing is removed.

use crate::finding::Finding;

pub use crate::finding::Related;

/// Lines apart within which AWS parts are taken to belong together.
const AWS_WINDOW: usize = 10;
/// Lines around an Atlassian token searched for the account e-mail.
const EMAIL_WINDOW: usize = 5;

const AWS_KEY_IDS: &[&str] = &["aws-temporary-access-key-id", "aws-access-key-id"];
const AWS_SECRET: &str = "aws-secret-access-key";
const AWS_SESSION: &str = "aws-session-token";
const SLACK_XOXC: &str = "slack-session-token";
const SLACK_XOXD: &str = "slack-session-cookie";
const ATLASSIAN_TOKEN: &str = "atlassian-api-token";
/// The pseudo rule id under which an Atlassian account e-mail is linked.
pub const ATLASSIAN_EMAIL: &str = "atlassian-account-email";

fn role_of(rule_id: &str) -> &'static str {
    match rule_id {
        "aws-temporary-access-key-id" | "aws-access-key-id" => "access-key-id",
        AWS_SECRET => "secret-access-key",
        AWS_SESSION => "session-token",
        SLACK_XOXC => "session-token",
        SLACK_XOXD => "session-cookie",
        _ => "part",
    }
}

fn link_to(f: &Finding) -> Related {
    Related {
        rule_id: f.rule_id.clone(),
        fingerprint: f.fingerprint.clone(),
        line: f.line,
        column: f.column,
        role: role_of(&f.rule_id).to_string(),
    }
}

/// Links two findings both ways (once).
fn link_pair(findings: &mut [Finding], a: usize, b: usize) {
    let (la, lb) = (link_to(&findings[a]), link_to(&findings[b]));
    if !findings[a].related.contains(&lb) {
        findings[a].related.push(lb);
    }
    if !findings[b].related.contains(&la) {
        findings[b].related.push(la);
    }
}

/// The index of the finding with `rule_id` nearest to line `line` within `window`
/// lines (any distance when `window` is `None`).
fn nearest(
    findings: &[Finding],
    rule_id: &str,
    line: usize,
    window: Option<usize>,
) -> Option<usize> {
    findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.rule_id == rule_id)
        .map(|(i, f)| (f.line.abs_diff(line), i))
        .filter(|(d, _)| window.is_none_or(|w| *d <= w))
        .min()
        .map(|(_, i)| i)
}

/// Adds `related` links between the findings of one blob (`blob` is what they were
/// found in, used to look for an Atlassian account e-mail).
pub fn link(findings: &mut [Finding], blob: &[u8]) {
    if findings.len() >= 2 {
        link_aws(findings);
        link_slack(findings);
    }
    link_atlassian_email(findings, blob);
}

fn link_aws(findings: &mut [Finding]) {
    let ids: Vec<usize> = (0..findings.len())
        .filter(|&i| AWS_KEY_IDS.contains(&findings[i].rule_id.as_str()))
        .collect();
    for id in ids {
        let line = findings[id].line;
        let secret = nearest(findings, AWS_SECRET, line, Some(AWS_WINDOW));
        let session = if findings[id].rule_id == "aws-temporary-access-key-id" {
            nearest(findings, AWS_SESSION, line, Some(AWS_WINDOW))
        } else {
            None
        };
        if let Some(s) = secret {
            link_pair(findings, id, s);
        }
        if let Some(t) = session {
            link_pair(findings, id, t);
            if let Some(s) = secret {
                link_pair(findings, s, t);
            }
        }
    }
}

fn link_slack(findings: &mut [Finding]) {
    let tokens: Vec<usize> = (0..findings.len())
        .filter(|&i| findings[i].rule_id == SLACK_XOXC)
        .collect();
    for t in tokens {
        if let Some(c) = nearest(findings, SLACK_XOXD, findings[t].line, None) {
            link_pair(findings, t, c);
        }
    }
}

fn link_atlassian_email(findings: &mut [Finding], blob: &[u8]) {
    for f in findings.iter_mut().filter(|f| f.rule_id == ATLASSIAN_TOKEN) {
        if let Some((email, line, column)) = email_near(blob, f.offset, EMAIL_WINDOW) {
            f.related.push(Related {
                rule_id: ATLASSIAN_EMAIL.to_string(),
                fingerprint: super::fingerprint(ATLASSIAN_EMAIL, email.as_bytes()),
                line,
                column,
                role: "account-email".to_string(),
            });
        }
    }
}

/// The e-mail address nearest to byte `offset` within `window` lines on either side,
/// with its 1-based line and column.
fn email_near(blob: &[u8], offset: usize, window: usize) -> Option<(String, usize, usize)> {
    // Byte range of the lines [line - window, line + window].
    let mut lo = offset.min(blob.len());
    for _ in 0..=window {
        match memchr::memrchr(b'\n', &blob[..lo]) {
            Some(p) => lo = p,
            None => {
                lo = 0;
                break;
            }
        }
    }
    let mut hi = offset.min(blob.len());
    for _ in 0..=window {
        match memchr::memchr(b'\n', &blob[hi..]) {
            Some(p) => hi += p + 1,
            None => {
                hi = blob.len();
                break;
            }
        }
    }
    let region = &blob[lo..hi];
    let mut best: Option<(usize, usize, usize)> = None; // (distance, start, end)
    for at in memchr::memchr_iter(b'@', region) {
        let is_local =
            |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-');
        let is_domain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-');
        let start = region[..at]
            .iter()
            .rposition(|&b| !is_local(b))
            .map_or(0, |p| p + 1);
        let end = at
            + 1
            + region[at + 1..]
                .iter()
                .position(|&b| !is_domain(b))
                .unwrap_or(region.len() - at - 1);
        let domain = region[at + 1..end].trim_ascii_end();
        let domain = std::str::from_utf8(domain).ok()?.trim_end_matches('.');
        if start == at || !domain.contains('.') || domain.starts_with('.') || domain.ends_with('-')
        {
            continue;
        }
        let tld = domain.rsplit('.').next().unwrap_or("");
        if tld.len() < 2 || !tld.bytes().all(|b| b.is_ascii_alphabetic()) {
            continue;
        }
        let abs = lo + start;
        let dist = abs.abs_diff(offset);
        if best.is_none_or(|(d, _, _)| dist < d) {
            best = Some((dist, abs, lo + at + 1 + domain.len()));
        }
    }
    let (_, start, end) = best?;
    let line = 1 + memchr::memchr_iter(b'\n', &blob[..start]).count();
    let line_start = memchr::memrchr(b'\n', &blob[..start]).map_or(0, |p| p + 1);
    let column = 1 + blob[line_start..start]
        .iter()
        .filter(|&&b| (b & 0xC0) != 0x80)
        .count();
    Some((
        String::from_utf8_lossy(&blob[start..end]).into_owned(),
        line,
        column,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nearest_email() {
        let blob = b"site: x\nemail: fake.user@example.test\ntoken: ATATT3xyz\n";
        let off = blob.windows(5).position(|w| w == b"ATATT").unwrap();
        let (email, line, col) = email_near(blob, off, 5).unwrap();
        assert_eq!(email, "fake.user@example.test");
        assert_eq!((line, col), (2, 8));
    }

    #[test]
    fn ignores_non_addresses() {
        let blob = b"uses: actions/checkout@v4\nx@y\ntoken: ATATT3xyz\n";
        let off = blob.windows(5).position(|w| w == b"ATATT").unwrap();
        assert!(email_near(blob, off, 5).is_none());
    }

    #[test]
    fn email_outside_the_window_is_not_linked() {
        let mut blob = b"email: far@example.test\n".to_vec();
        blob.extend(b"\n".repeat(20));
        blob.extend(b"token: ATATT3xyz\n");
        let off = blob.windows(5).position(|w| w == b"ATATT").unwrap();
        assert!(email_near(&blob, off, 5).is_none());
    }
}
