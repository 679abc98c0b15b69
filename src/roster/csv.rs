//! A roster as CSV (RFC 4180: quoted cells may hold commas, quotes and line
//! breaks): a header row, then one person per row. Known columns: `email`,
//! `login`, `name`, `status`, `left_at`, `type` and `id` (a few usual
//! spellings of each are accepted); every other column is an identity at the
//! provider it names (`github`, `slack`, `gitlab`, `GitHub Username`, …). A
//! cell may list several values separated by `;` (two e-mail addresses).

use chrono::NaiveDate;

use super::{norm, provider_key, status_of, Person};

/// What a header cell is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    Id,
    Email,
    Login,
    Name,
    Status,
    LeftAt,
    Kind,
    /// An identity at a provider (its [`provider_key`]).
    Identity(String),
}

fn column(header: &str) -> Column {
    let k: String = header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    match k.as_str() {
        "id" | "personid" | "employeeid" => Column::Id,
        "email" | "emails" | "mail" | "emailaddress" | "workemail" => Column::Email,
        "login" | "username" | "user" | "userid" | "sso" | "ssologin" => Column::Login,
        "name" | "fullname" | "displayname" => Column::Name,
        "status" | "state" | "employmentstatus" => Column::Status,
        "leftat" | "left" | "lefton" | "enddate" | "terminationdate" | "offboardedat"
        | "leavedate" => Column::LeftAt,
        "type" | "kind" | "usertype" | "employmenttype" | "employeetype" => Column::Kind,
        _ => Column::Identity(provider_key(header)),
    }
}

/// Splits CSV text into rows of cells, each row with the line it starts on.
/// Never fails: an unterminated quote runs to the end of the text.
fn rows(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut row_line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                out.push((row_line, std::mem::take(&mut row)));
                line += 1;
                row_line = line;
            }
            (_, c) => {
                if c == '\n' {
                    line += 1;
                }
                cell.push(c);
            }
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        out.push((row_line, row));
    }
    out.retain(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
    out
}

/// Values of a cell: `;`-separated, trimmed, empty ones dropped.
fn values(cell: &str) -> Vec<String> {
    cell.split(';')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// Parses a CSV roster; errors name the line.
pub fn parse(text: &str, today: NaiveDate) -> Result<Vec<Person>, String> {
    let mut rows = rows(text).into_iter();
    let (_, header) = rows
        .next()
        .ok_or("empty file (expected a CSV header row)")?;
    let cols: Vec<Column> = header.iter().map(|h| column(h)).collect();
    let has = |c: &Column| cols.contains(c);
    if !has(&Column::Email)
        && !has(&Column::Login)
        && !cols.iter().any(|c| matches!(c, Column::Identity(_)))
    {
        return Err("the header names no email, login or identity column".into());
    }
    if !has(&Column::Status) && !has(&Column::LeftAt) {
        return Err(
            "the header has neither a `status` nor a `left_at` column: nobody could be told former"
                .into(),
        );
    }
    let mut people = Vec::new();
    for (line, cells) in rows {
        if cells.len() > cols.len() {
            return Err(format!(
                "line {line}: {} cells, but the header has {} columns",
                cells.len(),
                cols.len()
            ));
        }
        let mut p = Person::empty(format!("line {line}"));
        let (mut status, mut id) = (None, None);
        for (col, cell) in cols.iter().zip(&cells) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            match col {
                Column::Id => id = Some(cell.to_string()),
                Column::Email => p.emails.extend(values(cell).iter().map(|v| norm(v))),
                Column::Login => p.logins.extend(values(cell).iter().map(|v| norm(v))),
                Column::Name => p.name = Some(cell.to_string()),
                Column::Status => status = Some(cell.to_string()),
                Column::LeftAt => p.left_at = Some(cell.to_string()),
                Column::Kind => p.kind = Some(cell.to_string()),
                Column::Identity(prov) => p
                    .identities
                    .entry(prov.clone())
                    .or_default()
                    .extend(values(cell).iter().map(|v| norm(v))),
            }
        }
        p.status = status_of(status.as_deref(), p.left_at.as_deref(), today)
            .map_err(|e| format!("line {line}: {e}"))?;
        people.push(p.finish(id)?);
    }
    Ok(people)
}

#[cfg(test)]
mod tests {
    use super::super::test_today as today;
    use super::*;
    use crate::finding::EmploymentStatus;

    #[test]
    fn quoted_cells_and_extra_identity_columns() {
        let text = "\u{feff}Email,Login,Name,Status,Left At,GitHub Username,slack_id\r\n\
            \"jane@acme.test; j.doe@acme.test\",jdoe,\"Doe, Jane \"\"JD\"\"\",left,2026-01-31,@Jane-Fake,U0FAKE1\r\n\
            \r\n\
            bob@acme.test,bob,\"Bob\nRoe\",active,,,\r\n";
        let people = parse(text.trim_start_matches('\u{feff}'), today()).unwrap();
        assert_eq!(people.len(), 2);
        let jane = &people[0];
        assert_eq!(jane.emails, ["jane@acme.test", "j.doe@acme.test"]);
        assert_eq!(jane.name.as_deref(), Some("Doe, Jane \"JD\""));
        assert_eq!(jane.status, EmploymentStatus::Former);
        assert_eq!(jane.identities["github"], ["jane-fake"]);
        assert_eq!(jane.identities["slack"], ["u0fake1"]);
        assert_eq!(people[1].name.as_deref(), Some("Bob\nRoe"));
        assert_eq!(people[1].at, "line 4");
    }

    #[test]
    fn bad_rosters_say_where() {
        let e = parse("email,status\na@x.test,on leave\n", today()).unwrap_err();
        assert!(e.contains("line 2") && e.contains("on leave"), "{e}");
        assert!(parse("name,status\nJane,active\n", today()).is_err());
        assert!(parse("email,name\na@x.test,A\n", today())
            .unwrap_err()
            .contains("status"));
        let e = parse("email,status\na@x.test,active,extra\n", today()).unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        assert!(parse("", today()).is_err());
    }
}
