//! What the end-to-end tests share: the project's known bugs and a campaign
//! of one target run to the end.

use std::path::Path;
use witness::campaign::{self, CampaignConfig, CaseSource, Summary};
use witness::disk::Cache;
use witness::host::HostConfig;
use witness::suppress::Suppressions;
use witness::value::ValueConfig;

/// The project's list of known bugs: their hits are counted apart, and the
/// tests assert that nothing else fails.
pub fn known_bugs() -> Suppressions {
    Suppressions::load(&witness::disk::workspace_root().join("corpus/suppressions.toml")).unwrap()
}

/// A fresh campaign of `calls` calls per world of `source` on `target` (a
/// language or a chain), findings in `findings`, no leak check.
pub fn campaign(target: &[&str], source: CaseSource, calls: u64, findings: &Path) -> Summary {
    let config = CampaignConfig {
        source,
        calls,
        targets: vec![target.iter().map(|s| s.to_string()).collect()],
        values: ValueConfig::default(),
        host: HostConfig::default(),
        findings_dir: findings.to_path_buf(),
        suppressions: known_bugs(),
        command_prefix: "witness".into(),
        fresh: true,
        progress: false,
        leak_cycles: 0,
    };
    campaign::run(&config, &Cache::from_env()).unwrap()
}
