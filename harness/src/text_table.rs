//! Plain-text tables for the summaries the CLI prints: left-aligned
//! columns two spaces apart, a dashed rule under the header row.

/// `rows` (the first one the header; every row as long as the header) as a
/// table, one line per row, trailing spaces trimmed.
pub fn render<Row: AsRef<[String]>>(rows: &[Row]) -> String {
    let Some(header) = rows.first() else {
        return String::new();
    };
    let widths: Vec<usize> = (0..header.as_ref().len())
        .map(|c| {
            rows.iter()
                .map(|r| r.as_ref()[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .as_ref()
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_align_under_a_rule() {
        let rows = vec![
            vec!["language".to_string(), "calls".to_string()],
            vec!["go".to_string(), "1000".to_string()],
        ];
        assert_eq!(
            super::render(&rows),
            "language  calls\n--------  -----\ngo        1000\n"
        );
    }
}
