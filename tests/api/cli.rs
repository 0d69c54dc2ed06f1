//! The `peitao` binary itself: version, migrations and imports from files.

use std::process::Command;

fn peitao(database: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_peitao"));
    command
        .env(
            "PEITAO__DATABASE__URL",
            format!("sqlite://{}?mode=rwc", database.display()),
        )
        .env("PEITAO__LOG__FILTER", "warn")
        .env_remove("PEITAO_ENV");
    command
}

#[test]
fn version_and_help_answer() {
    let folder = tempfile::tempdir().unwrap();
    let version = peitao(&folder.path().join("p.db"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("peitao "));
    let help = peitao(&folder.path().join("p.db"))
        .args(["import", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("suppliers"));
}

#[test]
fn migrate_status_lists_every_migration_as_applied_after_up() {
    let folder = tempfile::tempdir().unwrap();
    let db = folder.path().join("nested/p.db");
    assert!(
        peitao(&db)
            .args(["migrate", "up"])
            .status()
            .unwrap()
            .success()
    );
    let status = peitao(&db).args(["migrate", "status"]).output().unwrap();
    let text = String::from_utf8_lossy(&status.stderr);
    assert!(
        text.contains("applied  m20261127_000001_create_reference_tables"),
        "{text}"
    );
    assert!(!text.contains("pending"), "{text}");
    assert!(
        peitao(&db)
            .args(["migrate", "down", "--steps", "1"])
            .status()
            .unwrap()
            .success()
    );
    let after = peitao(&db).args(["migrate", "status"]).output().unwrap();
    assert!(String::from_utf8_lossy(&after.stderr).contains("pending"));
}

#[test]
fn a_bad_taxonomy_file_is_rejected_with_its_line_numbers_and_nothing_stored() {
    let folder = tempfile::tempdir().unwrap();
    let db = folder.path().join("p.db");
    let bad = folder.path().join("bad.csv");
    std::fs::write(
        &bad,
        "code,name,parent\nroot,Root,\nroot,Root again,\nleaf,Leaf,missing\n",
    )
    .unwrap();
    let output = peitao(&db)
        .args(["import", "taxonomy"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        text.contains("line 3: category `root` is defined twice"),
        "{text}"
    );
    assert!(text.contains("line 4: parent `missing`"), "{text}");

    let good = folder.path().join("good.csv");
    std::fs::write(&good, "code,name,parent\nroot,Root,\nleaf,Leaf,root\n").unwrap();
    let output = peitao(&db)
        .args(["import", "taxonomy"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("imported 2 categories"));
}

#[test]
fn a_bad_supplier_file_is_rejected_with_its_line_numbers() {
    let folder = tempfile::tempdir().unwrap();
    let db = folder.path().join("p.db");
    let bad = folder.path().join("suppliers.csv");
    std::fs::write(
        &bad,
        "name,region_code,capabilities\nA,999999,\nB,420606,auto.body.stamping:x:pcs\n",
    )
    .unwrap();
    let output = peitao(&db)
        .args(["import", "suppliers"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        text.contains("line 2: region 999999 does not exist"),
        "{text}"
    );
    assert!(text.contains("line 3: annual capacity `x`"), "{text}");
}

#[test]
fn a_bad_configuration_value_stops_the_process_naming_its_key() {
    let folder = tempfile::tempdir().unwrap();
    let output = peitao(&folder.path().join("p.db"))
        .env("PEITAO__SERVER__PORT", "eighty")
        .args(["migrate", "status"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("server.port"), "{text}");
}

#[test]
fn serve_reports_its_port_and_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader};

    let folder = tempfile::tempdir().unwrap();
    let mut child = peitao(&folder.path().join("p.db"))
        .env("PEITAO__SERVER__PORT", "0")
        .env("PEITAO__LOG__FILTER", "info")
        .env("PEITAO__REFERENCE__LOAD_ON_START", "false")
        .arg("serve")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let address = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split("listening on ")
                .nth(1)
                .map(|rest| rest.trim().to_owned())
        })
        .expect("a `listening on` line");
    assert!(address.starts_with("http://127.0.0.1:"), "{address}");
    let port: u16 = address.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0, "the port actually bound is reported");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "exit after SIGTERM: {status:?}; log: {rest:?}"
    );
    assert!(
        rest.iter()
            .any(|line| line.contains("SIGTERM received; finishing requests in flight")),
        "{rest:?}"
    );
}
