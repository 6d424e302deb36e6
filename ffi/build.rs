//! Gives the shared library a SONAME carrying the ABI major version (libcachepolicy.so.1),
//! read from `[package.metadata.abi]` in Cargo.toml, so that an incompatible release can be
//! installed beside this one.

use std::env;
use std::fs;

fn abi_major(manifest: &str) -> Option<u32> {
    let mut in_abi = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_abi = line == "[package.metadata.abi]";
        } else if in_abi {
            if let Some(value) = line.strip_prefix("major").map(str::trim).and_then(|l| l.strip_prefix('=')) {
                return value.trim().parse().ok();
            }
        }
    }
    None
}

fn main() {
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = fs::read_to_string("Cargo.toml").expect("read ffi/Cargo.toml");
    let major = abi_major(&manifest).expect("ffi/Cargo.toml: [package.metadata.abi] major = N");
    match env::var("CARGO_CFG_TARGET_OS").as_deref() {
        Ok("macos" | "ios") => {
            println!("cargo:rustc-cdylib-link-arg=-Wl,-install_name,@rpath/libcachepolicy.{major}.dylib");
        }
        Ok("windows") => {}
        _ => println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libcachepolicy.so.{major}"),
    }
}
