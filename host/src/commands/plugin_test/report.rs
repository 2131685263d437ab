//! The outcome of a kit run: one result per check, printed as `PASS id`, `FAIL id: reason`
//! or `SKIP id: why`, then a summary; or the same as one JSON document.

use serde_json::json;

/// How one check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The plugin did what the contract asks.
    Pass,
    /// It did not; says what it did instead.
    Fail(String),
    /// The check does not apply (not declared) or could not run; says why.
    Skip(String),
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// The check's stable id (`describe.matches-manifest`, `read.user.terminates`…).
    pub id: String,
    /// How it ended.
    pub outcome: Outcome,
}

/// Every check's result, in the order they ran.
#[derive(Debug, Default)]
pub struct Report {
    results: Vec<CheckResult>,
}

impl Report {
    /// Adds a check's result.
    pub fn add(&mut self, id: impl Into<String>, outcome: Outcome) {
        self.results.push(CheckResult {
            id: id.into(),
            outcome,
        });
    }

    /// Passes when `failures` is empty, fails with them joined otherwise.
    pub fn add_all(&mut self, id: impl Into<String>, failures: Vec<String>) {
        let outcome = if failures.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail(failures.join("; "))
        };
        self.add(id, outcome);
    }

    /// Whether any check failed.
    pub fn failed(&self) -> bool {
        self.count(|o| matches!(o, Outcome::Fail(_))) > 0
    }

    fn count(&self, pick: impl Fn(&Outcome) -> bool) -> usize {
        self.results.iter().filter(|r| pick(&r.outcome)).count()
    }

    fn summary(&self) -> (usize, usize, usize) {
        (
            self.count(|o| *o == Outcome::Pass),
            self.count(|o| matches!(o, Outcome::Fail(_))),
            self.count(|o| matches!(o, Outcome::Skip(_))),
        )
    }

    /// The text form: a line per check and the summary line.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for result in &self.results {
            let line = match &result.outcome {
                Outcome::Pass => format!("PASS {}", result.id),
                Outcome::Fail(reason) => format!("FAIL {}: {reason}", result.id),
                Outcome::Skip(why) => format!("SKIP {}: {why}", result.id),
            };
            text.push_str(&line);
            text.push('\n');
        }
        let (passed, failed, skipped) = self.summary();
        text.push_str(&format!(
            "{} checks: {passed} passed, {failed} failed, {skipped} skipped\n",
            self.results.len()
        ));
        text
    }

    /// The JSON form, with `about` (the plugin and what it ran against) at its top.
    pub fn json(&self, about: serde_json::Value) -> serde_json::Value {
        let (passed, failed, skipped) = self.summary();
        let checks: Vec<serde_json::Value> = self
            .results
            .iter()
            .map(|r| {
                let (status, reason) = match &r.outcome {
                    Outcome::Pass => ("pass", None),
                    Outcome::Fail(reason) => ("fail", Some(reason)),
                    Outcome::Skip(why) => ("skip", Some(why)),
                };
                json!({"id": r.id, "status": status, "reason": reason})
            })
            .collect();
        json!({
            "plugin": about,
            "checks": checks,
            "summary": {"passed": passed, "failed": failed, "skipped": skipped},
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_check_then_the_counts() {
        let mut report = Report::default();
        report.add("describe.matches-manifest", Outcome::Pass);
        report.add_all("read.user.unique-ids", vec!["page 1: id 7 twice".into()]);
        report.add("since", Outcome::Skip("not declared".into()));
        assert_eq!(
            report.text(),
            "PASS describe.matches-manifest\n\
             FAIL read.user.unique-ids: page 1: id 7 twice\n\
             SKIP since: not declared\n\
             3 checks: 1 passed, 1 failed, 1 skipped\n"
        );
        assert!(report.failed());
        let json = report.json(json!({"name": "x"}));
        assert_eq!(json["checks"][1]["status"], "fail");
        assert_eq!(json["summary"]["skipped"], 1);
    }
}
