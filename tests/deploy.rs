//! The deployment files (deploy/): Kubernetes manifests validated against the
//! Kubernetes OpenAPI schemas (PyPI's kubernetes-validate, strict: unknown
//! fields fail), the GitHub Actions workflow against GitHub's workflow schema
//! (check-jsonschema's vendored copy), and the worker script of the CronJob run
//! for real against a local store. The validators are installed by `.ci/run`
//! into target/deploy-venv and run offline; the test skips with a message when
//! they are missing.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A tool from target/deploy-venv, else from PATH.
fn tool(name: &str) -> Option<PathBuf> {
    let venv = root().join("target/deploy-venv/bin").join(name);
    if venv.is_file() {
        return Some(venv);
    }
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|c| c.is_file())
    })
}

fn manifests() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(root().join("deploy/kubernetes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    out.sort();
    out
}

fn k8s_validate(validator: &Path, files: &[PathBuf]) -> std::process::Output {
    Command::new(validator)
        .args(["--strict", "--kubernetes-version", "1.37.0"])
        .args(files)
        .output()
        .unwrap()
}

#[test]
fn kubernetes_manifests_match_the_openapi_schemas() {
    let Some(validator) = tool("kubernetes-validate") else {
        eprintln!("SKIPPED: kubernetes-validate is not installed (bash .ci/run installs it into target/deploy-venv)");
        return;
    };
    let files = manifests();
    assert!(files.len() >= 4, "{files:?}");
    let out = k8s_validate(&validator, &files);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    for f in &files {
        assert!(
            text.contains(&format!("{} passed", f.display())),
            "{} not validated: {text}",
            f.display()
        );
    }
    // The validator does fail on a wrong manifest: an unknown field, and a
    // number where the schema wants one.
    let dir = tempfile::tempdir().unwrap();
    let cron = fs::read_to_string(root().join("deploy/kubernetes/cronjob.yaml")).unwrap();
    for (what, bad) in [
        (
            "unknown field",
            cron.replace("parallelism: 8", "paralelism: 8"),
        ),
        (
            "wrong type",
            cron.replace("completions: 8", "completions: eight"),
        ),
    ] {
        assert_ne!(bad, cron);
        let p = dir.path().join("bad.yaml");
        fs::write(&p, bad).unwrap();
        assert!(
            !k8s_validate(&validator, &[p]).status.success(),
            "{what} passed"
        );
    }
}

#[test]
fn github_actions_workflow_matches_the_workflow_schema() {
    let Some(checker) = tool("check-jsonschema") else {
        eprintln!("SKIPPED: check-jsonschema is not installed (bash .ci/run installs it into target/deploy-venv)");
        return;
    };
    let wf = root().join("deploy/github-actions/tokenhound-org-audit.yml");
    let check = |p: &Path| {
        Command::new(&checker)
            .args(["--builtin-schema", "vendor.github-workflows"])
            .arg(p)
            .output()
            .unwrap()
    };
    let out = check(&wf);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = fs::read_to_string(&wf).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    fs::write(
        &bad,
        text.replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest"),
    )
    .unwrap();
    assert!(
        !check(&bad).status.success(),
        "a job without runs-on passed"
    );
    // The matrix has as many shards as SHARDS says.
    assert!(text.contains("SHARDS: 8") && text.contains("shard: [0, 1, 2, 3, 4, 5, 6, 7]"));
}

/// The manifests as JSON documents (PyYAML from the validator's venv).
fn yaml_docs(path: &Path) -> Option<Vec<Value>> {
    let python = tool("python3").filter(|p| p.starts_with(root().join("target/deploy-venv")))?;
    let out = Command::new(python)
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d]))",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// The CronJob's worker script, run as pod 0 would run it (the store a local
/// SQLite file instead of the Secret's URL): it plans, works the queue and
/// prints the run's report. Every manifest reads the store URL from the Secret.
#[test]
fn the_cronjob_worker_script_runs_a_whole_audit() {
    let Some(docs) = yaml_docs(&root().join("deploy/kubernetes/cronjob.yaml")) else {
        eprintln!("SKIPPED: PyYAML (target/deploy-venv, installed by bash .ci/run) is not there to read the manifest");
        return;
    };
    let pod = &docs[0]["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    let script = container["args"][0].as_str().unwrap();
    let env = container["env"].as_array().unwrap();
    let store_env = env
        .iter()
        .find(|e| e["name"] == "TOKENHOUND_STORE")
        .unwrap();
    assert_eq!(
        store_env["valueFrom"]["secretKeyRef"]["name"],
        "tokenhound-store"
    );
    for m in manifests() {
        let text = fs::read_to_string(&m).unwrap();
        if text.contains("tokenhound audit") {
            assert!(
                text.contains("secretKeyRef"),
                "{}: store URL not from a Secret",
                m.display()
            );
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    fs::write(
        data.join("a.env"),
        format!("T={}\n", common::fake_ghp("k8s")),
    )
    .unwrap();
    let inventory = dir.path().join("inventory.tsv");
    fs::write(&inventory, format!("{}\tteam=test\n", data.display())).unwrap();
    let bin = dir.path().join("bin");
    fs::create_dir(&bin).unwrap();
    let exe = common::tokenhound().get_program().to_owned();
    std::os::unix::fs::symlink(&exe, bin.join("tokenhound")).unwrap();
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("TOKENHOUND_STORE", dir.path().join("store.db"))
        .env("RUN_ID", "tokenhound-audit-29000000")
        .env("INVENTORY", &inventory)
        .env("JOB_COMPLETION_INDEX", "0")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["run"]["run_key"], "tokenhound-audit-29000000");
    assert_eq!(report["run"]["complete"], true);
    assert_eq!(report["new"].as_array().unwrap().len(), 1);
}
