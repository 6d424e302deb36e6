//! Makes pyo3's interpreter cfgs (`Py_LIMITED_API`, `Py_3_14`, `PyPy`, ...) visible to this crate.
fn main() {
    pyo3_build_config::use_pyo3_cfgs();
}
