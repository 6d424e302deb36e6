//! Every conversion between Python objects and the engine: requests, responses, header lists,
//! times in, header lists out. Nothing here decides anything about caching.
//!
//! Inputs are converted in two steps, so that the engine reads the caller's text in place:
//! first the Python objects are collected and kept alive (`Held*`), then views borrow their
//! UTF-8 (for `str`) or bytes without copying (`*View`). The views implement the engine's
//! `HttpRequest` / `HttpResponse` traits directly.
//!
//! Outputs reuse the caller's own `(str, str)` tuples wherever the engine passes a line on
//! unchanged, and build new tuples only for the lines it changed or added.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cachepolicy::{
    HeaderList, HttpRequest, HttpResponse, Options, RequestNoCache, SetCookiePolicy,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

// ---------------------------------------------------------------------------------------------
// Text

/// Text read from a `str` (as UTF-8) or `bytes` object.
pub struct Text<'a> {
    pub bytes: Cow<'a, [u8]>,
    /// From a `str`: valid UTF-8.
    pub is_str: bool,
    /// From an object of type exactly `str`.
    pub exact_str: bool,
}

/// Why a Python object could not be read as header text.
pub enum TextError {
    /// Neither `str` nor `bytes`.
    WrongType,
    /// A `str` that cannot be encoded as UTF-8 (it holds a lone surrogate).
    NotEncodable,
}

/// The UTF-8 of a `str`, borrowed from the object (which caches it for non-ASCII text).
/// `PyUnicode_AsUTF8AndSize` is in the limited API from 3.10, the abi3 wheel's floor.
fn utf8<'a>(s: Borrowed<'a, '_, PyString>) -> Option<Cow<'a, [u8]>> {
    // Header text is nearly always ASCII, stored compactly as its own UTF-8: read it in place.
    #[cfg(not(any(Py_LIMITED_API, PyPy, GraalPy, Py_3_14)))]
    // SAFETY: `s` is a valid str alive for 'a; a compact ASCII str holds its length in bytes
    // of ASCII right at its data pointer, immutable.
    unsafe {
        let ptr = s.as_ptr();
        if pyo3::ffi::PyUnicode_IS_COMPACT_ASCII(ptr) != 0 {
            let len = pyo3::ffi::PyUnicode_GET_LENGTH(ptr) as usize;
            return Some(Cow::Borrowed(std::slice::from_raw_parts(
                pyo3::ffi::PyUnicode_DATA(ptr).cast::<u8>(),
                len,
            )));
        }
    }
    let mut size: pyo3::ffi::Py_ssize_t = 0;
    // SAFETY: `s` is a valid str alive for 'a; the buffer belongs to it. On failure an
    // exception is set, and cleared here.
    unsafe {
        let data = pyo3::ffi::PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut size);
        if data.is_null() {
            drop(PyErr::fetch(s.py()));
            return None;
        }
        Some(Cow::Borrowed(std::slice::from_raw_parts(
            data.cast::<u8>(),
            size as usize,
        )))
    }
}

/// The text of a `str` or `bytes` object, borrowed from it for as long as it lives.
pub fn text<'a>(obj: Borrowed<'a, '_, PyAny>) -> Result<Text<'a>, TextError> {
    if let Ok(s) = obj.cast::<PyString>() {
        let exact_str = obj.is_exact_instance_of::<PyString>();
        return utf8(s)
            .map(|bytes| Text {
                bytes,
                is_str: true,
                exact_str,
            })
            .ok_or(TextError::NotEncodable);
    }
    if obj.is_instance_of::<PyBytes>() {
        let mut data: *mut std::os::raw::c_char = std::ptr::null_mut();
        let mut size: pyo3::ffi::Py_ssize_t = 0;
        // SAFETY: `obj` is a bytes object alive for 'a; its buffer is immutable and owned by it.
        let bytes = unsafe {
            if pyo3::ffi::PyBytes_AsStringAndSize(obj.as_ptr(), &mut data, &mut size) != 0 {
                drop(PyErr::fetch(obj.py()));
                return Err(TextError::WrongType);
            }
            std::slice::from_raw_parts(data.cast::<u8>(), size as usize)
        };
        return Ok(Text {
            bytes: Cow::Borrowed(bytes),
            is_str: false,
            exact_str: false,
        });
    }
    Err(TextError::WrongType)
}

fn text_or_raise<'a>(
    obj: Borrowed<'a, '_, PyAny>,
    what: impl Fn() -> String,
) -> PyResult<Text<'a>> {
    text(obj).map_err(|e| match e {
        TextError::WrongType => PyTypeError::new_err(format!(
            "{}: expected str or bytes, got {}",
            what(),
            type_name(&obj)
        )),
        TextError::NotEncodable => {
            PyValueError::new_err(format!("{}: str is not encodable as UTF-8", what()))
        }
    })
}

/// Text that must be a `str` for the engine (method, URL): `str` as is, `bytes` when UTF-8.
fn str_or_raise<'a>(
    obj: Borrowed<'a, '_, PyAny>,
    what: impl Fn() -> String,
) -> PyResult<Cow<'a, str>> {
    let t = text_or_raise(obj, &what)?;
    if t.is_str {
        // SAFETY: the UTF-8 of a str is valid UTF-8.
        return Ok(match t.bytes {
            Cow::Borrowed(b) => Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(b) }),
            Cow::Owned(b) => Cow::Owned(unsafe { String::from_utf8_unchecked(b) }),
        });
    }
    match t.bytes {
        Cow::Borrowed(b) => std::str::from_utf8(b).map(Cow::Borrowed).ok(),
        Cow::Owned(b) => String::from_utf8(b).map(Cow::Owned).ok(),
    }
    .ok_or_else(|| PyValueError::new_err(format!("{}: bytes are not UTF-8", what())))
}

/// A `str` made from engine output: UTF-8 when valid, otherwise each byte as one Latin-1
/// character (RFC 9110 §5.5: field values are historically ISO-8859-1).
pub fn py_text<'py>(py: Python<'py>, b: &[u8]) -> Bound<'py, PyString> {
    match std::str::from_utf8(b) {
        Ok(s) => PyString::new(py, s),
        Err(_) => PyString::new(py, &b.iter().map(|&c| char::from(c)).collect::<String>()),
    }
}

pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string())
}

// ---------------------------------------------------------------------------------------------
// Time

/// A `now`-style argument: seconds since the Unix epoch, or `None` for the current time.
pub fn time(seconds: Option<&Bound<'_, PyAny>>, arg: &str) -> PyResult<SystemTime> {
    let Some(s) = opt_float(seconds, arg)? else {
        return Ok(SystemTime::now());
    };
    let out_of_range = || {
        PyValueError::new_err(format!(
            "{arg}: must be a finite number of seconds since the epoch, got {s}"
        ))
    };
    let d = Duration::try_from_secs_f64(s.abs()).map_err(|_| out_of_range())?;
    let t = if s >= 0.0 {
        UNIX_EPOCH.checked_add(d)
    } else {
        UNIX_EPOCH.checked_sub(d)
    };
    t.ok_or_else(out_of_range)
}

// Scalar arguments are converted here rather than by pyo3, so that every message names its
// argument on every Python version (pyo3 adds the name as an exception note, 3.11+ only).

/// A number (`float`, `int`, or anything with `__float__`; not `bool`); `None` when absent.
pub fn opt_float(obj: Option<&Bound<'_, PyAny>>, arg: &str) -> PyResult<Option<f64>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    if let Ok(f) = obj.cast_exact::<pyo3::types::PyFloat>() {
        return Ok(Some(f.value()));
    }
    if obj.is_instance_of::<pyo3::types::PyBool>()
        || obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyBytes>()
    {
        return Err(PyTypeError::new_err(format!(
            "{arg}: expected a number, got {}",
            type_name(obj)
        )));
    }
    obj.extract::<f64>().map(Some).map_err(|_| {
        PyTypeError::new_err(format!("{arg}: expected a number, got {}", type_name(obj)))
    })
}

/// An `int` (not `bool`); `None` when absent.
pub fn opt_int(obj: Option<&Bound<'_, PyAny>>, arg: &str) -> PyResult<Option<i64>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    if obj.is_instance_of::<pyo3::types::PyBool>() || !obj.is_instance_of::<pyo3::types::PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "{arg}: expected int, got {}",
            type_name(obj)
        )));
    }
    Ok(Some(obj.extract::<i64>().unwrap_or(i64::MAX)))
}

/// A `bool`; `None` when absent.
pub fn opt_bool(obj: Option<&Bound<'_, PyAny>>, arg: &str) -> PyResult<Option<bool>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    match obj.cast::<pyo3::types::PyBool>() {
        Ok(b) => Ok(Some(b.is_true())),
        Err(_) => Err(PyTypeError::new_err(format!(
            "{arg}: expected bool, got {}",
            type_name(obj)
        ))),
    }
}

/// A `str`; `None` when absent.
pub fn opt_string(obj: Option<&Bound<'_, PyAny>>, arg: &str) -> PyResult<Option<String>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    let s = obj.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!("{arg}: expected str, got {}", type_name(obj)))
    })?;
    s.to_cow()
        .map(|c| Some(c.into_owned()))
        .map_err(|_| PyValueError::new_err(format!("{arg}: str is not encodable as UTF-8")))
}

/// A `SystemTime` as float seconds since the epoch.
pub fn seconds(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

/// A non-negative duration option in seconds.
pub fn duration(seconds: f64, arg: &str) -> PyResult<Duration> {
    if seconds < 0.0 {
        return Err(PyValueError::new_err(format!(
            "{arg}: must be a finite number of seconds >= 0, got {seconds}"
        )));
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| {
        PyValueError::new_err(format!(
            "{arg}: must be a finite number of seconds >= 0, got {seconds}"
        ))
    })
}

// ---------------------------------------------------------------------------------------------
// Options

/// The constructor's option keywords; `None` keeps the profile's value.
pub struct OptionArgs<'py> {
    pub profile: Option<Bound<'py, PyAny>>,
    pub shared: Option<Bound<'py, PyAny>>,
    pub cache_heuristic: Option<Bound<'py, PyAny>>,
    pub immutable_min_time_to_live: Option<Bound<'py, PyAny>>,
    pub ignore_cargo_cult: Option<Bound<'py, PyAny>>,
    pub trust_server_date: Option<Bound<'py, PyAny>>,
    pub cache_etags: Option<Bound<'py, PyAny>>,
    pub request_no_cache: Option<Bound<'py, PyAny>>,
    pub targeted_fields: Option<Bound<'py, PyAny>>,
    pub ignore_request_cache_control: Option<Bound<'py, PyAny>>,
    pub honor_request_no_cache: Option<Bound<'py, PyAny>>,
    pub store_authenticated: Option<Bound<'py, PyAny>>,
    pub ignore_s_maxage: Option<Bound<'py, PyAny>>,
    pub grace_period: Option<Bound<'py, PyAny>>,
    pub ignore_no_store: Option<Bound<'py, PyAny>>,
    pub store_https: Option<Bound<'py, PyAny>>,
    pub bypass_range_and_conditional: Option<Bound<'py, PyAny>>,
    pub store_only_2xx: Option<Bound<'py, PyAny>>,
    pub set_cookie: Option<Bound<'py, PyAny>>,
    pub suppress_age: Option<Bound<'py, PyAny>>,
    pub replace_date: Option<Bound<'py, PyAny>>,
}

pub const REQUEST_NO_CACHE: [(&str, RequestNoCache); 2] = [
    ("revalidate", RequestNoCache::Revalidate),
    ("reload", RequestNoCache::Reload),
];
pub const SET_COOKIE: [(&str, SetCookiePolicy); 4] = [
    ("revalidate", SetCookiePolicy::Revalidate),
    ("refuse", SetCookiePolicy::Refuse),
    ("strip", SetCookiePolicy::Strip),
    ("keep", SetCookiePolicy::Keep),
];

/// The name of an enum option's value, for `CachePolicy.options`.
pub fn name_of<T: PartialEq + Copy>(table: &[(&'static str, T)], value: T) -> &'static str {
    table
        .iter()
        .find(|(_, v)| *v == value)
        .map_or("unknown", |(n, _)| n)
}

fn choice<T: Copy>(table: &[(&str, T)], value: &str, arg: &str) -> PyResult<T> {
    table
        .iter()
        .find(|(n, _)| *n == value)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<String> = table.iter().map(|(n, _)| format!("{n:?}")).collect();
            PyValueError::new_err(format!(
                "{arg}: expected one of {}, got {value:?}",
                names.join(", ")
            ))
        })
}

impl OptionArgs<'_> {
    /// No option given (the common case): the defaults, without looking at each.
    fn is_empty(&self) -> bool {
        [
            &self.profile,
            &self.shared,
            &self.cache_heuristic,
            &self.immutable_min_time_to_live,
            &self.ignore_cargo_cult,
            &self.trust_server_date,
            &self.cache_etags,
            &self.request_no_cache,
            &self.targeted_fields,
            &self.ignore_request_cache_control,
            &self.honor_request_no_cache,
            &self.store_authenticated,
            &self.ignore_s_maxage,
            &self.grace_period,
            &self.ignore_no_store,
            &self.store_https,
            &self.bypass_range_and_conditional,
            &self.store_only_2xx,
            &self.set_cookie,
            &self.suppress_age,
            &self.replace_date,
        ]
        .iter()
        .all(|o| o.is_none())
    }

    /// The engine's options: the profile's (default `"shared"`), then each keyword given.
    /// Engine errors (an unknown profile, a bad value) are returned for the caller to name.
    pub fn to_options(&self) -> PyResult<Result<Options, cachepolicy::Error>> {
        if self.is_empty() {
            return Ok(Ok(Options::default()));
        }
        let mut o = match opt_string(self.profile.as_ref(), "profile")? {
            None => Options::default(),
            Some(p) => match Options::profile(&p) {
                Ok(o) => o,
                Err(e) => return Ok(Err(e)),
            },
        };
        let flags: [(&mut bool, &Option<Bound<'_, PyAny>>, &str); 14] = [
            (&mut o.shared, &self.shared, "shared"),
            (
                &mut o.ignore_cargo_cult,
                &self.ignore_cargo_cult,
                "ignore_cargo_cult",
            ),
            (
                &mut o.trust_server_date,
                &self.trust_server_date,
                "trust_server_date",
            ),
            (&mut o.cache_etags, &self.cache_etags, "cache_etags"),
            (
                &mut o.ignore_request_cache_control,
                &self.ignore_request_cache_control,
                "ignore_request_cache_control",
            ),
            (
                &mut o.honor_request_no_cache,
                &self.honor_request_no_cache,
                "honor_request_no_cache",
            ),
            (
                &mut o.store_authenticated,
                &self.store_authenticated,
                "store_authenticated",
            ),
            (
                &mut o.ignore_s_maxage,
                &self.ignore_s_maxage,
                "ignore_s_maxage",
            ),
            (
                &mut o.ignore_no_store,
                &self.ignore_no_store,
                "ignore_no_store",
            ),
            (&mut o.store_https, &self.store_https, "store_https"),
            (
                &mut o.bypass_range_and_conditional,
                &self.bypass_range_and_conditional,
                "bypass_range_and_conditional",
            ),
            (
                &mut o.store_only_2xx,
                &self.store_only_2xx,
                "store_only_2xx",
            ),
            (&mut o.suppress_age, &self.suppress_age, "suppress_age"),
            (&mut o.replace_date, &self.replace_date, "replace_date"),
        ];
        for (field, value, name) in flags {
            if let Some(v) = opt_bool(value.as_ref(), name)? {
                *field = v;
            }
        }
        if let Some(v) = opt_float(self.cache_heuristic.as_ref(), "cache_heuristic")? {
            o.cache_heuristic = v;
        }
        if let Some(s) = opt_float(
            self.immutable_min_time_to_live.as_ref(),
            "immutable_min_time_to_live",
        )? {
            o.immutable_min_time_to_live = duration(s, "immutable_min_time_to_live")?;
        }
        if let Some(s) = opt_float(self.grace_period.as_ref(), "grace_period")? {
            o.grace_period = duration(s, "grace_period")?;
        }
        if let Some(v) = opt_string(self.request_no_cache.as_ref(), "request_no_cache")? {
            o.request_no_cache = choice(&REQUEST_NO_CACHE, &v, "request_no_cache")?;
        }
        if let Some(v) = opt_string(self.set_cookie.as_ref(), "set_cookie")? {
            o.set_cookie = choice(&SET_COOKIE, &v, "set_cookie")?;
        }
        if let Some(fields) = self.targeted_fields.as_ref().filter(|f| !f.is_none()) {
            o.targeted_fields = string_list(fields, "targeted_fields")?;
        }
        // The engine validates the options when it builds the policy.
        Ok(Ok(o))
    }
}

/// A list or tuple of `str` (a single `str` is refused rather than split into characters).
fn string_list(obj: &Bound<'_, PyAny>, arg: &str) -> PyResult<Vec<String>> {
    if !(obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>()) {
        return Err(PyTypeError::new_err(format!(
            "{arg}: expected a list of str, got {}",
            type_name(obj)
        )));
    }
    obj.try_iter()?
        .enumerate()
        .map(|(i, item)| {
            let item = item?;
            item.cast::<PyString>()
                .map_err(|_| {
                    PyTypeError::new_err(format!(
                        "{arg}[{i}]: expected str, got {}",
                        type_name(&item)
                    ))
                })?
                .to_cow()
                .map(|c| c.into_owned())
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Header lists in

/// Header lines as one tuple of exact `(name, value)` tuples, which keeps every name and value
/// alive, unchanged, while the engine reads their text in place. A list of tuples becomes one
/// by a single copy of its item pointers; other shapes get new pair tuples.
pub struct HeldLines<'py>(Option<Bound<'py, PyTuple>>);

/// One header line as the engine reads it, borrowing from [`HeldLines`].
pub struct Line<'a, 'py> {
    pub name: Cow<'a, [u8]>,
    pub value: Cow<'a, [u8]>,
    /// The pair tuple, when both its items are exactly `str`: it can be returned as is.
    pub tuple: Option<Borrowed<'a, 'py, PyTuple>>,
}

fn is_exact_pair(item: &Bound<'_, PyAny>) -> bool {
    item.cast_exact::<PyTuple>().is_ok_and(|t| t.len() == 2)
}

/// An exact `(name, value)` tuple from a tuple or list of two items.
fn exact_pair<'py>(
    item: Bound<'py, PyAny>,
    what: &dyn Fn() -> String,
) -> PyResult<Bound<'py, PyTuple>> {
    if is_exact_pair(&item) {
        // SAFETY: checked just above.
        return Ok(unsafe { item.cast_into_unchecked() });
    }
    let two = if let Ok(t) = item.cast::<PyTuple>() {
        (t.len() == 2).then(|| (t.get_item(0), t.get_item(1)))
    } else if let Ok(l) = item.cast::<PyList>() {
        (l.len() == 2).then(|| (l.get_item(0), l.get_item(1)))
    } else {
        None
    };
    match two {
        Some((name, value)) => PyTuple::new(item.py(), [name?, value?]),
        None => Err(PyTypeError::new_err(format!(
            "{}: expected a (name, value) pair, got {}",
            what(),
            type_name(&item)
        ))),
    }
}

/// Pairs of a mapping entry: the value may be one value or a list/tuple of values.
fn push_entry<'py>(
    out: &mut Vec<Bound<'py, PyTuple>>,
    name: Bound<'py, PyAny>,
    value: Bound<'py, PyAny>,
) -> PyResult<()> {
    let py = name.py();
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        for v in value.try_iter()? {
            out.push(PyTuple::new(py, [name.clone(), v?])?);
        }
    } else {
        out.push(PyTuple::new(py, [name, value])?);
    }
    Ok(())
}

/// A tuple of exact pairs from a tuple of items: itself when every item is one already.
fn pairs_of<'py>(items: Bound<'py, PyTuple>, arg: &str) -> PyResult<Bound<'py, PyTuple>> {
    if items.iter_borrowed().all(|i| is_exact_pair(&i)) {
        return Ok(items);
    }
    let pairs = items
        .iter()
        .enumerate()
        .map(|(i, item)| exact_pair(item, &|| format!("{arg}.headers[{i}]")))
        .collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(items.py(), pairs)
}

/// Collects the header lines of any accepted shape: a list or tuple of `(name, value)` pairs,
/// a dict (a value may be a list of values), a multi-valued mapping (`multi_items()`, as
/// httpx.Headers, or `items()` yielding duplicates, as email.message.Message and urllib3's
/// HTTPHeaderDict), or any iterable of pairs. `None` is no headers.
pub fn hold_headers<'py>(obj: Option<Bound<'py, PyAny>>, arg: &str) -> PyResult<HeldLines<'py>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(HeldLines(None));
    };
    let py = obj.py();
    if let Ok(list) = obj.cast::<PyList>() {
        return Ok(HeldLines(Some(pairs_of(list.to_tuple(), arg)?)));
    }
    if let Ok(tuple) = obj.cast_exact::<PyTuple>() {
        return Ok(HeldLines(Some(pairs_of(tuple.clone(), arg)?)));
    }
    let mut out = Vec::new();
    if let Ok(dict) = obj.cast::<PyDict>() {
        out.reserve(dict.len());
        for (name, value) in dict.iter() {
            push_entry(&mut out, name, value)?;
        }
        return Ok(HeldLines(Some(PyTuple::new(py, out)?)));
    }
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(headers_type_error(arg, &obj));
    }
    let items = if let Some(multi) = obj.getattr_opt(intern!(py, "multi_items"))? {
        multi.call0()?
    } else if let Some(items) = obj.getattr_opt(intern!(py, "items"))? {
        items.call0()?
    } else {
        obj.clone()
    };
    let iter = items
        .try_iter()
        .map_err(|_| headers_type_error(arg, &obj))?;
    for (i, item) in iter.enumerate() {
        let pair = exact_pair(item?, &|| format!("{arg}.headers item {i}"))?;
        // A mapping's items() may pair a name with a list of values.
        let value = pair.get_item(1)?;
        if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
            push_entry(&mut out, pair.get_item(0)?, value)?;
        } else {
            out.push(pair);
        }
    }
    Ok(HeldLines(Some(PyTuple::new(py, out)?)))
}

fn headers_type_error(arg: &str, obj: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!(
        "{arg}.headers: expected a list of (name, value) pairs, a dict or a multi-valued mapping, got {}",
        type_name(obj)
    ))
}

impl<'py> HeldLines<'py> {
    /// The lines, borrowing the text of the held objects.
    pub fn view(&self, arg: &str) -> PyResult<Vec<Line<'_, 'py>>> {
        let Some(pairs) = &self.0 else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(pairs.len());
        for (i, pair) in pairs.iter_borrowed().enumerate() {
            // SAFETY: `hold_headers` made every item an exact tuple of two items; the held
            // tuple keeps each pair, and so its items, alive for as long as `self` is borrowed.
            let (pair, name, value) = unsafe {
                let pair = pair.cast_unchecked::<PyTuple>();
                (pair, pair_item(pair, 0), pair_item(pair, 1))
            };
            let name = text_or_raise(name, || format!("{arg}.headers[{i}] name"))?;
            let value = text_or_raise(value, || format!("{arg}.headers[{i}] value"))?;
            let tuple = (name.exact_str && value.exact_str).then_some(pair);
            out.push(Line {
                name: name.bytes,
                value: value.bytes,
                tuple,
            });
        }
        Ok(out)
    }
}

/// Item `i` of a pair, borrowed for as long as the pair is.
///
/// # Safety
/// `pair` must be a tuple of more than `i` items.
unsafe fn pair_item<'a, 'py>(
    pair: Borrowed<'a, 'py, PyTuple>,
    i: isize,
) -> Borrowed<'a, 'py, PyAny> {
    #[cfg(not(feature = "abi3"))]
    let item = unsafe { pyo3::ffi::PyTuple_GET_ITEM(pair.as_ptr(), i) };
    #[cfg(feature = "abi3")]
    let item = unsafe { pyo3::ffi::PyTuple_GetItem(pair.as_ptr(), i) };
    // SAFETY: a tuple's items are never null and live as long as the tuple.
    unsafe { Borrowed::from_ptr(pair.py(), item) }
}

/// `token` (RFC 9110 §5.6.2). The engine checks names itself; this only finds which argument
/// held the name it refused, to say so in the error.
pub fn is_token(s: &[u8]) -> bool {
    !s.is_empty()
        && s.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

// ---------------------------------------------------------------------------------------------
// Requests

/// A request's Python objects, kept alive while a view borrows their text.
pub struct HeldRequest<'py> {
    arg: &'static str,
    method: Option<Bound<'py, PyAny>>,
    url: Bound<'py, PyAny>,
    headers: HeldLines<'py>,
}

/// A request as the engine reads it.
pub struct RequestView<'a, 'py> {
    method: Cow<'a, str>,
    url: Cow<'a, str>,
    pub lines: Vec<Line<'a, 'py>>,
}

impl HttpRequest for RequestView<'_, '_> {
    fn method(&self) -> &str {
        &self.method
    }
    fn url(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.url)
    }
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.lines.iter().map(|l| (&*l.name, &*l.value))
    }
}

const REQUEST_KEYS: &str = "'method', 'url', 'headers'";
const RESPONSE_KEYS: &str = "'status' (or 'status_code'), 'headers'";

/// Rejects keys a mapping should not have, so a typo (`"header"`) does not go unnoticed.
fn check_keys(dict: &Bound<'_, PyDict>, known: &[&str], arg: &str, expected: &str) -> PyResult<()> {
    for key in dict.keys() {
        let ok = key
            .cast::<PyString>()
            .ok()
            .and_then(|k| k.to_cow().ok())
            .is_some_and(|k| known.contains(&&*k));
        if !ok {
            return Err(PyTypeError::new_err(format!(
                "{arg}: unexpected key {} (expected {expected})",
                key.repr()?
            )));
        }
    }
    Ok(())
}

fn url_object<'py>(url: Bound<'py, PyAny>, arg: &str) -> PyResult<Bound<'py, PyAny>> {
    if url.is_instance_of::<PyString>() || url.is_instance_of::<PyBytes>() {
        return Ok(url);
    }
    // A URL object (httpx.URL, yarl.URL, ...) is used as its text; numbers, None and containers are errors.
    let plain = url.is_none()
        || url.is_instance_of::<pyo3::types::PyInt>()
        || url.is_instance_of::<pyo3::types::PyFloat>()
        || url.is_instance_of::<PyList>()
        || url.is_instance_of::<PyTuple>()
        || url.is_instance_of::<PyDict>();
    if plain {
        return Err(PyTypeError::new_err(format!(
            "{arg}.url: expected str, bytes or a URL object, got {}",
            type_name(&url)
        )));
    }
    Ok(url.str()?.into_any())
}

/// Collects a request: a mapping `{"method", "url", "headers"}` or an object with `method`,
/// `url` and `headers` attributes (requests, httpx, urllib.request.Request).
pub fn hold_request<'py>(obj: &Bound<'py, PyAny>, arg: &'static str) -> PyResult<HeldRequest<'py>> {
    let py = obj.py();
    if let Ok(dict) = obj.cast::<PyDict>() {
        let method = dict.get_item(intern!(py, "method"))?;
        let url = dict.get_item(intern!(py, "url"))?;
        let headers = dict.get_item(intern!(py, "headers"))?;
        let found = usize::from(method.is_some())
            + usize::from(url.is_some())
            + usize::from(headers.is_some());
        if dict.len() > found {
            check_keys(dict, &["method", "url", "headers"], arg, REQUEST_KEYS)?;
        }
        let url = url.ok_or_else(|| {
            PyTypeError::new_err(format!(
                "{arg}: missing 'url' (a request mapping has {REQUEST_KEYS})"
            ))
        })?;
        return Ok(HeldRequest {
            arg,
            method,
            url: url_object(url, arg)?,
            headers: hold_headers(headers, arg)?,
        });
    }
    let url = match obj.getattr_opt(intern!(py, "url"))? {
        Some(url) => Some(url),
        // urllib.request.Request
        None => obj.getattr_opt(intern!(py, "full_url"))?,
    };
    let Some(url) = url else {
        if let Ok(mapping) = obj.cast::<pyo3::types::PyMapping>() {
            let dict = PyDict::new(py);
            dict.update(mapping)?;
            return hold_request(dict.as_any(), arg);
        }
        return Err(PyTypeError::new_err(format!(
            "{arg}: expected a mapping with {REQUEST_KEYS} or an object with method, url and headers attributes, got {}",
            type_name(obj)
        )));
    };
    let mut method = obj.getattr_opt(intern!(py, "method"))?;
    if method.as_ref().is_none_or(|m| m.is_none()) {
        // urllib.request.Request leaves `method` None and computes it.
        if let Some(get_method) = obj.getattr_opt(intern!(py, "get_method"))? {
            method = Some(get_method.call0()?);
        }
    }
    let headers = match obj.getattr_opt(intern!(py, "header_items"))? {
        // urllib.request.Request: its headers plus the unredirected ones (Host, ...).
        Some(items) if items.is_callable() => Some(items.call0()?),
        _ => obj.getattr_opt(intern!(py, "headers"))?,
    };
    Ok(HeldRequest {
        arg,
        method,
        url: url_object(url, arg)?,
        headers: hold_headers(headers, arg)?,
    })
}

impl<'py> HeldRequest<'py> {
    /// The engine's view, borrowing the text of the held objects.
    pub fn view(&self) -> PyResult<RequestView<'_, 'py>> {
        let arg = self.arg;
        let method = match self.method.as_ref().filter(|m| !m.is_none()) {
            None => Cow::Borrowed("GET"),
            Some(m) => str_or_raise(m.as_borrowed(), || format!("{arg}.method"))?,
        };
        let url = str_or_raise(self.url.as_borrowed(), || format!("{arg}.url"))?;
        Ok(RequestView {
            method,
            url,
            lines: self.headers.view(arg)?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Responses

/// A response's Python objects, kept alive while a view borrows their text.
pub struct HeldResponse<'py> {
    arg: &'static str,
    status: u16,
    headers: HeldLines<'py>,
}

/// A response as the engine reads it.
pub struct ResponseView<'a, 'py> {
    status: u16,
    pub lines: Vec<Line<'a, 'py>>,
}

impl HttpResponse for ResponseView<'_, '_> {
    fn status(&self) -> u16 {
        self.status
    }
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.lines.iter().map(|l| (&*l.name, &*l.value))
    }
}

fn status(obj: Option<Bound<'_, PyAny>>, arg: &str) -> PyResult<u16> {
    let Some(obj) = obj else { return Ok(200) };
    if obj.is_instance_of::<pyo3::types::PyBool>() || !obj.is_instance_of::<pyo3::types::PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "{arg}.status: expected int, got {}",
            type_name(&obj)
        )));
    }
    // Out of u16 range: 0 is refused by the engine with its own message.
    Ok(obj
        .extract::<i64>()
        .ok()
        .and_then(|n| u16::try_from(n).ok())
        .unwrap_or(0))
}

/// Collects a response: a mapping `{"status", "headers"}` or an object with `status_code`
/// (requests, httpx) or `status` (http.client, urllib3, aiohttp) and `headers`.
pub fn hold_response<'py>(
    obj: &Bound<'py, PyAny>,
    arg: &'static str,
) -> PyResult<HeldResponse<'py>> {
    let py = obj.py();
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut status_obj = dict.get_item(intern!(py, "status"))?;
        let mut found = usize::from(status_obj.is_some());
        if status_obj.is_none() {
            status_obj = dict.get_item(intern!(py, "status_code"))?;
            found = usize::from(status_obj.is_some());
        }
        let headers = dict.get_item(intern!(py, "headers"))?;
        found += usize::from(headers.is_some());
        if dict.len() > found {
            check_keys(dict, &["status", "headers"], arg, RESPONSE_KEYS)?;
        }
        return Ok(HeldResponse {
            arg,
            status: status(status_obj, arg)?,
            headers: hold_headers(headers, arg)?,
        });
    }
    let status_obj = match obj.getattr_opt(intern!(py, "status_code"))? {
        Some(s) => Some(s),
        None => obj.getattr_opt(intern!(py, "status"))?,
    };
    let headers = obj.getattr_opt(intern!(py, "headers"))?;
    let (Some(status_obj), Some(headers)) = (status_obj, headers) else {
        if let Ok(mapping) = obj.cast::<pyo3::types::PyMapping>() {
            let dict = PyDict::new(py);
            dict.update(mapping)?;
            return hold_response(dict.as_any(), arg);
        }
        return Err(PyTypeError::new_err(format!(
            "{arg}: expected a mapping with {RESPONSE_KEYS} or an object with status_code or status and headers attributes, got {}",
            type_name(obj)
        )));
    };
    Ok(HeldResponse {
        arg,
        status: status(Some(status_obj), arg)?,
        headers: hold_headers(Some(headers), arg)?,
    })
}

impl<'py> HeldResponse<'py> {
    /// The header lines, to keep past this call.
    pub fn into_lines(self) -> HeldLines<'py> {
        self.headers
    }

    /// The engine's view, borrowing the text of the held objects.
    pub fn view(&self) -> PyResult<ResponseView<'_, 'py>> {
        Ok(ResponseView {
            status: self.status,
            lines: self.headers.view(self.arg)?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Header lists out

fn same_slice(a: &[u8], b: &[u8]) -> bool {
    std::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len()
}

/// A new `(name, value)` tuple.
pub fn new_pair<'py>(py: Python<'py>, name: &str, value: &[u8]) -> PyResult<Bound<'py, PyTuple>> {
    let name = match name {
        "age" => intern!(py, "age").clone(),
        "date" => intern!(py, "date").clone(),
        _ => PyString::new(py, name),
    };
    PyTuple::new(py, [name, py_text(py, value)])
}

/// The stored response lines as tuples, one per line of `stored` (the policy's stored
/// headers, a subsequence of `lines` with some values cleaned): the caller's own tuple where a
/// stored line equals a given `(str, str)` line, else a new one.
pub fn stored_tuples<'a>(
    py: Python<'_>,
    stored: impl Iterator<Item = (&'a str, &'a [u8])>,
    lines: &[Line<'_, '_>],
) -> PyResult<Box<[Py<PyTuple>]>> {
    let mut cursor = 0;
    stored
        .map(|(name, value)| {
            if let Some(i) = lines[cursor..]
                .iter()
                .position(|l| *l.value == *value && *l.name == *name.as_bytes())
            {
                cursor += i + 1;
                if let Some(t) = lines[cursor - 1].tuple {
                    return Ok(t.to_owned().unbind());
                }
            }
            new_pair(py, name, value).map(Bound::unbind)
        })
        .collect()
}

impl<'py> HeldLines<'py> {
    /// The held tuple of pairs, to keep past this call.
    pub fn into_tuple(self) -> Option<Py<PyTuple>> {
        self.0.map(Bound::unbind)
    }

    /// Lines held earlier with [`into_tuple`](Self::into_tuple).
    pub fn from_tuple(tuple: Option<Bound<'py, PyTuple>>) -> Self {
        HeldLines(tuple)
    }
}

/// The engine's response header list as Python tuples. `stored` are the policy's stored lines
/// and `tuples` the matching tuples: an output line that is one of them unchanged is returned
/// as that tuple.
pub fn response_header_list<'py, 'a>(
    py: Python<'py>,
    out: &HeaderList<'_>,
    stored: impl Iterator<Item = (&'a str, &'a [u8])>,
    tuples: &[Py<PyTuple>],
) -> PyResult<Bound<'py, PyList>> {
    let mut stored = stored.zip(tuples);
    let mut items: Vec<Bound<'py, PyTuple>> = Vec::with_capacity(out.len());
    for (name, value) in out {
        let reused = match value {
            // Output follows stored order, so one forward pass finds every unchanged line.
            Cow::Borrowed(v) => stored
                .by_ref()
                .find(|((_, sv), _)| same_slice(sv, v) || *sv == *v)
                .map(|(_, t)| t.bind(py).clone()),
            Cow::Owned(_) => None,
        };
        items.push(match reused {
            Some(t) => t,
            None => new_pair(py, name, value)?,
        });
    }
    PyList::new(py, items)
}

/// A request header list built by the engine from `request`'s lines: lines passed on
/// unchanged are the caller's own tuples.
pub fn request_header_list<'py>(
    py: Python<'py>,
    out: &HeaderList<'_>,
    request: &RequestView<'_, 'py>,
) -> PyResult<Bound<'py, PyList>> {
    let mut cursor = 0;
    let mut items: Vec<Bound<'py, PyTuple>> = Vec::with_capacity(out.len());
    for (name, value) in out {
        let mut reused = None;
        if let Cow::Borrowed(v) = value {
            if let Some(i) = request.lines[cursor..]
                .iter()
                .position(|l| same_slice(&l.value, v) && same_slice(&l.name, name.as_bytes()))
            {
                cursor += i + 1;
                reused = request.lines[cursor - 1].tuple.map(|t| t.to_owned());
            }
        }
        items.push(match reused {
            Some(t) => t,
            None => new_pair(py, name, value)?,
        });
    }
    PyList::new(py, items)
}
