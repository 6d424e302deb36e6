//! The committed C header is exactly what cbindgen generates from the current source, and its
//! version macros agree with Cargo.toml.
//!
//! After changing the exported API, regenerate it with
//! `CACHEPOLICY_BLESS=1 cargo test -p cachepolicy-ffi --test header`.

use std::ffi::CStr;
use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn header_path() -> PathBuf {
    crate_dir().join("../include/cachepolicy.h")
}

fn generate() -> String {
    let config = cbindgen::Config::from_file(crate_dir().join("cbindgen.toml")).expect("read ffi/cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir())
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn committed_header_is_what_cbindgen_generates() {
    let generated = generate();
    let path = header_path();
    if std::env::var_os("CACHEPOLICY_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write include/cachepolicy.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed.lines().zip(generated.lines()).position(|(a, b)| a != b).unwrap_or(committed.lines().count().min(generated.lines().count()));
        panic!(
            "include/cachepolicy.h is stale (first difference at line {}).\n\
             Regenerate it with: CACHEPOLICY_BLESS=1 cargo test -p cachepolicy-ffi --test header",
            line + 1
        );
    }
}

/// `[package.metadata.abi]` of ffi/Cargo.toml.
fn manifest_abi() -> (u32, u32) {
    let manifest = std::fs::read_to_string(crate_dir().join("Cargo.toml")).unwrap();
    let mut section = "";
    let (mut major, mut minor) = (None, None);
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
        } else if section == "[package.metadata.abi]" {
            if let Some((key, value)) = line.split_once('=') {
                let value = value.trim().parse().ok();
                match key.trim() {
                    "major" => major = value,
                    "minor" => minor = value,
                    _ => {}
                }
            }
        }
    }
    (major.expect("abi major"), minor.expect("abi minor"))
}

fn define(header: &str, name: &str) -> String {
    header
        .lines()
        .find_map(|l| l.strip_prefix("#define ").and_then(|rest| rest.strip_prefix(name)).filter(|v| v.starts_with(' ')))
        .unwrap_or_else(|| panic!("header defines {name}"))
        .trim()
        .to_string()
}

#[test]
fn abi_version_macros_match_cargo_toml() {
    let (major, minor) = manifest_abi();
    let header = std::fs::read_to_string(header_path()).unwrap();
    assert_eq!(define(&header, "CACHEPOLICY_ABI_MAJOR"), major.to_string(), "CACHEPOLICY_ABI_MAJOR vs ffi/Cargo.toml");
    assert_eq!(define(&header, "CACHEPOLICY_ABI_MINOR"), minor.to_string(), "CACHEPOLICY_ABI_MINOR vs ffi/Cargo.toml");
    assert_eq!(cachepolicy::CACHEPOLICY_ABI_MAJOR, major);
    assert_eq!(cachepolicy::CACHEPOLICY_ABI_MINOR, minor);
    assert_eq!(cachepolicy::cachepolicy_abi_version(), (major << 16) | minor);
    let version = unsafe { CStr::from_ptr(cachepolicy::cachepolicy_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

/// `CACHEPOLICY_<ENUM>_<CODE> = <n>` is in the header for every value a code function names:
/// the C constants and the stable codes say the same thing.
#[test]
fn enum_constants_are_named_after_their_codes() {
    use std::ffi::c_char;
    let header = std::fs::read_to_string(header_path()).unwrap();
    let enums: [(&str, extern "C" fn(u32) -> *const c_char); 7] = [
        ("FORWARD", cachepolicy::cachepolicy_forward_code),
        ("STATUS", cachepolicy::cachepolicy_status_code),
        ("DECISION", cachepolicy::cachepolicy_decision_code),
        ("REASON", cachepolicy::cachepolicy_reason_code),
        ("FRESHNESS_SOURCE", cachepolicy::cachepolicy_freshness_source_code),
        ("OUTCOME", cachepolicy::cachepolicy_outcome_code),
        ("EXPIRY_STAGE", cachepolicy::cachepolicy_expiry_stage_code),
    ];
    for (prefix, code_of) in enums {
        let mut n = 0;
        while !code_of(n).is_null() {
            let code = unsafe { CStr::from_ptr(code_of(n)) }.to_str().unwrap().to_uppercase().replace('-', "_");
            let constant = format!("CACHEPOLICY_{prefix}_{code} = {n},");
            assert!(header.contains(&constant), "the header lacks {constant}");
            n += 1;
        }
        assert!(n >= 3, "{prefix}: {n} values");
        // No constant beyond the last value with a code.
        let extra = header.lines().any(|l| l.trim_start().starts_with(&format!("CACHEPOLICY_{prefix}_")) && l.trim_end().ends_with(&format!("= {n},")));
        assert!(!extra, "CACHEPOLICY_{prefix}_* = {n} has no code");
    }
}

#[test]
fn every_exported_function_is_declared_and_documented() {
    let header = std::fs::read_to_string(header_path()).unwrap();
    let sources: String = std::fs::read_dir(crate_dir().join("src"))
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    let exported: Vec<&str> = sources
        .split("#[no_mangle]")
        .skip(1)
        .map(|chunk| {
            let after = &chunk[chunk.find("fn ").expect("fn after #[no_mangle]") + 3..];
            &after[..after.find('(').unwrap()]
        })
        .collect();
    assert!(exported.len() >= 50, "{} exported functions", exported.len());
    let lines: Vec<&str> = header.lines().collect();
    for name in exported {
        assert!(name.starts_with("cachepolicy_"), "{name} lacks the cachepolicy_ prefix");
        let at = lines
            .iter()
            .position(|l| !l.trim_start().starts_with('*') && (l.contains(&format!(" {name}(")) || l.contains(&format!("*{name}("))))
            .unwrap_or_else(|| panic!("{name} is not declared in the header"));
        // The line before the declaration (after its return type) closes a doc comment.
        let before = lines[..at].iter().rev().find(|l| !l.trim().is_empty()).unwrap();
        assert!(before.trim_end().ends_with("*/"), "{name} has no doc comment in the header");
    }
    assert!(Path::new(&header_path()).exists());
}
