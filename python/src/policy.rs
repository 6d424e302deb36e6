//! `CachePolicy`: the engine's policy as an immutable Python object. Every method converts its
//! arguments (convert.rs), asks the engine, and converts the answer back.

use std::sync::OnceLock;

use cachepolicy::{CachePolicy, CacheStatus, Decision, Reason, RevalidationOutcome};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple, PyType};

use crate::convert::{self, hold_request, hold_response, seconds, time};
use crate::errors::{argument_of, refused};

/// The caching policy of one stored response: whether it may be stored, whether it answers a
/// later request, with which headers, how to revalidate it and how to merge the answer
/// (RFC 9111, RFC 5861, RFC 8246).
///
/// ``request`` is a mapping ``{"method": "GET", "url": "...", "headers": ...}`` or an object
/// with ``method``, ``url`` and ``headers`` attributes (requests, httpx, urllib.request).
/// ``response`` is a mapping ``{"status": 200, "headers": ...}`` or an object with
/// ``status_code`` or ``status`` and ``headers`` (requests, httpx, http.client, urllib3).
/// Headers are a list of ``(name, value)`` pairs (``str`` or ``bytes``), a dict, or a
/// multi-valued mapping; duplicates are kept.
///
/// ``now`` is when the response was received, in seconds since the epoch (default: the
/// current time); ``request_time`` when the request was sent (default: ``now``).
///
/// Options (keyword-only; ``profile`` = ``"shared"`` (default), ``"private"`` or
/// ``"accelerator"`` sets them all first, each keyword given then overrides one):
/// ``shared`` (True: a shared cache), ``cache_heuristic`` (0.1: the fraction of the time since
/// Last-Modified used as heuristic freshness), ``immutable_min_time_to_live`` (86400 s),
/// ``ignore_cargo_cult`` (False), ``trust_server_date`` (True), ``cache_etags`` (True),
/// ``request_no_cache`` (``"revalidate"`` or ``"reload"``), ``targeted_fields`` ([], e.g.
/// ``["cdn-cache-control"]``, RFC 9213), and the accelerator switches
/// ``ignore_request_cache_control`` (False), ``honor_request_no_cache`` (True),
/// ``store_authenticated``, ``ignore_s_maxage`` (False), ``grace_period`` (0 s),
/// ``ignore_no_store`` (False), ``store_https`` (True), ``bypass_range_and_conditional``,
/// ``store_only_2xx`` (False), ``set_cookie`` (``"revalidate"``, ``"refuse"``, ``"strip"``,
/// ``"keep"``), ``suppress_age``, ``replace_date`` (False).
///
/// Policies are immutable and may be shared between threads. Header values come back as
/// ``str``: UTF-8 text, or Latin-1 for bytes that are not valid UTF-8.
#[pyclass(frozen, module = "cachepolicy", name = "CachePolicy")]
pub struct PyCachePolicy {
    inner: CachePolicy,
    /// The response's header lines as given (a tuple of pairs), for `tuples`.
    given: Option<Py<PyTuple>>,
    /// One tuple per stored response line (`CachePolicy::stored_headers` order), built on first
    /// use: the caller's own tuples where the stored line is unchanged, else new ones.
    tuples: OnceLock<Box<[Py<PyTuple>]>>,
}

impl PyCachePolicy {
    fn wrap(
        inner: CachePolicy,
        given: Option<Py<PyTuple>>,
        tuples: Option<Box<[Py<PyTuple>]>>,
    ) -> Self {
        let cell = OnceLock::new();
        if let Some(t) = tuples {
            let _ = cell.set(t);
        }
        PyCachePolicy {
            inner,
            given,
            tuples: cell,
        }
    }

    fn tuples(&self, py: Python<'_>) -> PyResult<&[Py<PyTuple>]> {
        if let Some(t) = self.tuples.get() {
            return Ok(t);
        }
        // Built outside the lock: creating objects may run other Python code, and another
        // thread holding the lock must never wait for this one. A lost race drops the copy.
        let held = convert::HeldLines::from_tuple(self.given.as_ref().map(|g| g.bind(py).clone()));
        let built =
            convert::stored_tuples(py, self.inner.stored_headers(), &held.view("response")?)?;
        Ok(self.tuples.get_or_init(|| built))
    }

    /// A policy derived from this one with the same stored lines.
    fn same_lines(&self, py: Python<'_>, inner: CachePolicy) -> Self {
        let tuples = self
            .tuples
            .get()
            .map(|t| t.iter().map(|p| p.clone_ref(py)).collect());
        Self::wrap(inner, self.given.as_ref().map(|g| g.clone_ref(py)), tuples)
    }

    fn response_header_list<'py>(
        &self,
        py: Python<'py>,
        now: std::time::SystemTime,
    ) -> PyResult<Bound<'py, PyList>> {
        let out = self.inner.response_headers(now);
        convert::response_header_list(py, &out, self.inner.stored_headers(), self.tuples(py)?)
    }
}

#[pymethods]
impl PyCachePolicy {
    #[new]
    #[pyo3(signature = (request, response, *, now = None, request_time = None, profile = None,
        shared = None, cache_heuristic = None, immutable_min_time_to_live = None,
        ignore_cargo_cult = None, trust_server_date = None, cache_etags = None,
        request_no_cache = None, targeted_fields = None, ignore_request_cache_control = None,
        honor_request_no_cache = None, store_authenticated = None, ignore_s_maxage = None,
        grace_period = None, ignore_no_store = None, store_https = None,
        bypass_range_and_conditional = None, store_only_2xx = None, set_cookie = None,
        suppress_age = None, replace_date = None))]
    #[allow(clippy::too_many_arguments)]
    fn new<'py>(
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
        response: &Bound<'py, PyAny>,
        now: Option<Bound<'py, PyAny>>,
        request_time: Option<Bound<'py, PyAny>>,
        profile: Option<Bound<'py, PyAny>>,
        shared: Option<Bound<'py, PyAny>>,
        cache_heuristic: Option<Bound<'py, PyAny>>,
        immutable_min_time_to_live: Option<Bound<'py, PyAny>>,
        ignore_cargo_cult: Option<Bound<'py, PyAny>>,
        trust_server_date: Option<Bound<'py, PyAny>>,
        cache_etags: Option<Bound<'py, PyAny>>,
        request_no_cache: Option<Bound<'py, PyAny>>,
        targeted_fields: Option<Bound<'py, PyAny>>,
        ignore_request_cache_control: Option<Bound<'py, PyAny>>,
        honor_request_no_cache: Option<Bound<'py, PyAny>>,
        store_authenticated: Option<Bound<'py, PyAny>>,
        ignore_s_maxage: Option<Bound<'py, PyAny>>,
        grace_period: Option<Bound<'py, PyAny>>,
        ignore_no_store: Option<Bound<'py, PyAny>>,
        store_https: Option<Bound<'py, PyAny>>,
        bypass_range_and_conditional: Option<Bound<'py, PyAny>>,
        store_only_2xx: Option<Bound<'py, PyAny>>,
        set_cookie: Option<Bound<'py, PyAny>>,
        suppress_age: Option<Bound<'py, PyAny>>,
        replace_date: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Self> {
        let args = convert::OptionArgs {
            profile,
            shared,
            cache_heuristic,
            immutable_min_time_to_live,
            ignore_cargo_cult,
            trust_server_date,
            cache_etags,
            request_no_cache,
            targeted_fields,
            ignore_request_cache_control,
            honor_request_no_cache,
            store_authenticated,
            ignore_s_maxage,
            grace_period,
            ignore_no_store,
            store_https,
            bypass_range_and_conditional,
            store_only_2xx,
            set_cookie,
            suppress_age,
            replace_date,
        };
        let options = args.to_options()?.map_err(|e| {
            refused(
                py,
                &e,
                if e.message().contains("profile") {
                    "profile"
                } else {
                    ""
                },
            )
        })?;
        let response_time = time(now.as_ref(), "now")?;
        let request_time = match request_time.as_ref().filter(|t| !t.is_none()) {
            None => response_time,
            some => time(some, "request_time")?,
        };
        let held_request = hold_request(request, "request")?;
        let held_response = hold_response(response, "response")?;
        let req = held_request.view()?;
        let res = held_response.view()?;
        let inner =
            CachePolicy::with_request_time(&req, &res, &options, request_time, response_time)
                .map_err(|e| {
                    refused(
                        py,
                        &e,
                        &argument_of(&e, ("request", &req.lines), ("response", &res.lines)),
                    )
                })?;
        drop((req, res));
        Ok(Self::wrap(
            inner,
            held_response.into_lines().into_tuple(),
            None,
        ))
    }

    /// Whether the response may be stored at all (RFC 9111 §3). When false, neither the
    /// request nor the response may be stored.
    fn storable(&self) -> bool {
        self.inner.storable()
    }

    /// Why the response may not be stored (a reason code such as ``"response_no_store"``), or
    /// ``None`` when it may.
    fn not_storable_reason(&self) -> Option<&'static str> {
        self.inner.not_storable_reason().map(Reason::code)
    }

    /// Whether the stored response can be served for ``new_request`` at ``now`` without
    /// contacting the origin: it matches (method, URL, Vary) and is fresh, or stale within the
    /// request's ``max-stale``. Serve it with ``response_headers()``.
    #[pyo3(signature = (new_request, now = None))]
    fn satisfies_without_revalidation(
        &self,
        new_request: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let now = time(now, "now")?;
        let held = hold_request(new_request, "new_request")?;
        Ok(self
            .inner
            .satisfies_without_revalidation(&held.view()?, now))
    }

    /// The whole decision for ``new_request`` at ``now``: an ``Evaluation`` with the
    /// ``decision`` (``"fresh"``, ``"stale"``, ``"stale_while_revalidate"``, ``"revalidate"``,
    /// ``"no_match"``, ``"gateway_timeout"``), its ``reason`` and the header lists to use.
    #[pyo3(signature = (new_request, now = None))]
    fn evaluate(
        &self,
        py: Python<'_>,
        new_request: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Evaluation> {
        let now = time(now, "now")?;
        let held = hold_request(new_request, "new_request")?;
        let req = held.view()?;
        let e = self.inner.evaluate(&req, now);
        let response_headers = match e.decision().serves_stored() {
            true => Some(self.response_header_list(py, now)?.unbind()),
            false => None,
        };
        let revalidation_headers = match e.revalidation_headers() {
            Some(out) => Some(convert::request_header_list(py, &out, &req)?.unbind()),
            None => None,
        };
        Ok(Evaluation {
            decision: e.decision(),
            reason: e.reason(),
            response_headers,
            revalidation_headers,
        })
    }

    /// The headers to serve the stored response with at ``now`` (RFC 9111 §3.1, §5.1): the
    /// stored lines minus hop-by-hop ones, with ``Age`` updated and ``Date`` added when the
    /// response had none. Unchanged lines are the tuples the response was given with.
    #[pyo3(signature = (now = None))]
    fn response_headers<'py>(
        &self,
        py: Python<'py>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        self.response_header_list(py, time(now, "now")?)
    }

    /// The headers of the conditional request to send to the origin for ``new_request``
    /// (RFC 9111 §4.3.1): its lines minus hop-by-hop ones, with ``If-None-Match`` /
    /// ``If-Modified-Since`` from the stored validators. Unchanged lines are the caller's tuples.
    #[pyo3(signature = (new_request, now = None))]
    fn revalidation_headers<'py>(
        &self,
        py: Python<'py>,
        new_request: &Bound<'py, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let now = time(now, "now")?;
        let held = hold_request(new_request, "new_request")?;
        let req = held.view()?;
        let out = self.inner.revalidation_headers(&req, now);
        convert::request_header_list(py, &out, &req)
    }

    /// Merges the origin's answer to a revalidation request (RFC 9111 §4.3.3–§4.3.5, RFC 5861
    /// §4). ``revalidation_response`` is ``None`` when no answer came (connection failure).
    /// Returns a ``Revalidation``: the ``policy`` to keep and whether the body was
    /// ``modified``; ``policy, modified = result`` works.
    #[pyo3(signature = (revalidation_request, revalidation_response, now = None))]
    fn revalidated_policy(
        &self,
        py: Python<'_>,
        revalidation_request: &Bound<'_, PyAny>,
        revalidation_response: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Revalidation> {
        let now = time(now, "now")?;
        let held_request = hold_request(revalidation_request, "revalidation_request")?;
        let held_response = revalidation_response
            .map(|r| hold_response(r, "revalidation_response"))
            .transpose()?;
        let req = held_request.view()?;
        let res = held_response.as_ref().map(|r| r.view()).transpose()?;
        let out = self
            .inner
            .revalidated_policy(&req, res.as_ref(), now)
            .map_err(|e| {
                let no_lines: &[convert::Line<'_, '_>] = &[];
                let res_lines = res.as_ref().map_or(no_lines, |r| &r.lines[..]);
                refused(
                    py,
                    &e,
                    &argument_of(
                        &e,
                        ("revalidation_request", &req.lines),
                        ("revalidation_response", res_lines),
                    ),
                )
            })?;
        // A policy kept as it was keeps its tuples; a new one builds its own when asked.
        let policy = match out.outcome {
            RevalidationOutcome::NotMatched
            | RevalidationOutcome::HeadMismatch
            | RevalidationOutcome::StaleIfError
            | RevalidationOutcome::Failed => self.same_lines(py, out.policy),
            RevalidationOutcome::Modified => {
                drop(res);
                PyCachePolicy::wrap(
                    out.policy,
                    held_response.and_then(|r| r.into_lines().into_tuple()),
                    None,
                )
            }
            _ => PyCachePolicy::wrap(out.policy, None, None),
        };
        let policy = Py::new(py, policy)?;
        Ok(Revalidation {
            policy,
            modified: out.modified,
            matches: out.matches,
            outcome: out.outcome,
        })
    }

    /// Seconds until the response becomes stale at ``now``: max(0, lifetime − age). After that
    /// it may still be usable (``max-stale``); ask ``satisfies_without_revalidation()``.
    #[pyo3(signature = (now = None))]
    fn time_to_live(&self, now: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
        Ok(self.inner.time_to_live(time(now, "now")?).as_secs_f64())
    }

    /// The current age of the response at ``now``, in seconds (RFC 9111 §4.2.3).
    #[pyo3(signature = (now = None))]
    fn age(&self, now: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
        Ok(self.inner.age(time(now, "now")?).as_secs_f64())
    }

    /// The freshness lifetime in seconds (RFC 9111 §4.2.1): how long after it was generated
    /// the response is fresh. See ``freshness_source()`` for where it came from.
    fn max_age(&self) -> f64 {
        self.inner.freshness_lifetime().as_secs_f64()
    }

    /// Where the freshness lifetime came from: ``"s-maxage"``, ``"max-age"``, ``"expires"``,
    /// ``"heuristic"``, ``"immutable"`` or ``"none"``.
    fn freshness_source(&self) -> &'static str {
        self.inner.freshness_source().code()
    }

    /// Whether the response is stale at ``now``: its age has reached its freshness lifetime.
    #[pyo3(signature = (now = None))]
    fn stale(&self, now: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
        Ok(self.inner.is_stale(time(now, "now")?))
    }

    /// Seconds a store should keep the entry from ``now``: the rest of its freshness plus the
    /// longer of its stale-while-revalidate and stale-if-error windows (RFC 5861). 0 when not
    /// storable.
    #[pyo3(signature = (now = None))]
    fn retention(&self, now: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
        Ok(self.inner.retention(time(now, "now")?).as_secs_f64())
    }

    /// Whether at ``now`` the response may be served while it is revalidated in the background
    /// (RFC 5861 §3): fresh, or stale within ``stale-while-revalidate``, which may be used.
    #[pyo3(signature = (now = None))]
    fn within_stale_while_revalidate(&self, now: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
        Ok(self.inner.within_stale_while_revalidate(time(now, "now")?))
    }

    /// Whether, when the origin answers ``new_request`` with an error (500, 502, 503, 504) or
    /// not at all, the stored response may be served instead at ``now`` (RFC 5861 §4).
    #[pyo3(signature = (new_request, now = None))]
    fn within_stale_if_error(
        &self,
        new_request: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let now = time(now, "now")?;
        let held = hold_request(new_request, "new_request")?;
        Ok(self.inner.within_stale_if_error(&held.view()?, now))
    }

    /// The URIs a cache must invalidate because this (unsafe) request got this response
    /// (RFC 9111 §4.4): after POST, PUT, DELETE, ... with a 2xx or 3xx status, the target URI
    /// and same-origin ``Location`` / ``Content-Location``. Empty otherwise.
    fn invalidation_targets(&self) -> Vec<String> {
        self.inner.invalidation_targets()
    }

    /// A few lines of text saying what the engine thinks of this response at ``now``, and of
    /// ``new_request`` when given: storable or why not, freshness, age, the decision.
    #[pyo3(signature = (new_request = None, now = None))]
    fn explain(
        &self,
        new_request: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let now = time(now, "now")?;
        let p = &self.inner;
        let mut out = format!("{} {} -> {}\n", p.method(), p.url(), p.status());
        match p.not_storable_reason() {
            None => out.push_str("storable: yes\n"),
            Some(r) => out.push_str(&format!("storable: no, {r}\n")),
        }
        out.push_str(&format!(
            "freshness lifetime: {} s (from {}); age: {} s; {}\n",
            p.freshness_lifetime().as_secs_f64(),
            p.freshness_source().code(),
            p.age(now).as_secs_f64(),
            if p.is_stale(now) {
                "stale".to_string()
            } else {
                format!("fresh for {} s", p.time_to_live(now).as_secs_f64())
            },
        ));
        if let Some(r) = new_request {
            let held = hold_request(r, "new_request")?;
            let req = held.view()?;
            let e = p.evaluate(&req, now);
            out.push_str(&format!(
                "decision: {}, {}\n",
                e.decision().code(),
                describe(e.decision(), e.reason())
            ));
        }
        Ok(out)
    }

    /// The stored response's header lines as stored (fields a cache must not store already
    /// removed), for writing the entry next to its body.
    fn stored_headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.tuples(py)?.iter().map(|t| t.bind(py)))
    }

    /// The status code of the stored response.
    #[getter]
    fn status(&self) -> u16 {
        self.inner.status()
    }

    /// The method of the request the response answered.
    #[getter]
    fn method(&self) -> &str {
        self.inner.method()
    }

    /// The target URI of the request the response answered, as given.
    #[getter]
    fn url(&self) -> &str {
        self.inner.url()
    }

    /// When the response was received, in seconds since the epoch.
    #[getter]
    fn response_time(&self) -> f64 {
        seconds(self.inner.response_time())
    }

    /// The response's date (its valid ``Date``, else when it was received), in seconds since
    /// the epoch.
    #[getter]
    fn date(&self) -> f64 {
        seconds(self.inner.date())
    }

    /// The options the policy was built with, as a dict of the constructor's keywords
    /// (durations in seconds).
    #[getter]
    fn options<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let o = self.inner.options();
        let d = PyDict::new(py);
        d.set_item("shared", o.shared)?;
        d.set_item("cache_heuristic", o.cache_heuristic)?;
        d.set_item(
            "immutable_min_time_to_live",
            o.immutable_min_time_to_live.as_secs_f64(),
        )?;
        d.set_item("ignore_cargo_cult", o.ignore_cargo_cult)?;
        d.set_item("trust_server_date", o.trust_server_date)?;
        d.set_item("cache_etags", o.cache_etags)?;
        d.set_item(
            "request_no_cache",
            convert::name_of(&convert::REQUEST_NO_CACHE, o.request_no_cache),
        )?;
        d.set_item("targeted_fields", PyList::new(py, &o.targeted_fields)?)?;
        d.set_item(
            "ignore_request_cache_control",
            o.ignore_request_cache_control,
        )?;
        d.set_item("honor_request_no_cache", o.honor_request_no_cache)?;
        d.set_item("store_authenticated", o.store_authenticated)?;
        d.set_item("ignore_s_maxage", o.ignore_s_maxage)?;
        d.set_item("grace_period", o.grace_period.as_secs_f64())?;
        d.set_item("ignore_no_store", o.ignore_no_store)?;
        d.set_item("store_https", o.store_https)?;
        d.set_item(
            "bypass_range_and_conditional",
            o.bypass_range_and_conditional,
        )?;
        d.set_item("store_only_2xx", o.store_only_2xx)?;
        d.set_item(
            "set_cookie",
            convert::name_of(&convert::SET_COOKIE, o.set_cookie),
        )?;
        d.set_item("suppress_age", o.suppress_age)?;
        d.set_item("replace_date", o.replace_date)?;
        Ok(d)
    }

    /// The expiry stage at ``now``: ``"fresh"``; ``"soft_expired"`` (past its freshness but
    /// within stale-while-revalidate or the grace period: serve it and let one caller refresh
    /// it); ``"hard_expired"`` (revalidate before serving).
    #[pyo3(signature = (now = None))]
    fn expiry_stage(&self, now: Option<&Bound<'_, PyAny>>) -> PyResult<&'static str> {
        Ok(self.inner.expiry_stage(time(now, "now")?).code())
    }

    /// Lost-update protection (RFC 9110 §13.1.1, §13.1.4): for a PUT, PATCH or DELETE
    /// ``request`` to this response's URI, the precondition to add (``If-Match`` with the
    /// stored strong ETag, else ``If-Unmodified-Since``). Empty otherwise.
    fn lost_update_headers<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let held = hold_request(request, "request")?;
        let out = self.inner.lost_update_headers(&held.view()?);
        PyList::new(
            py,
            out.iter()
                .map(|(n, v)| convert::new_pair(py, n, v))
                .collect::<PyResult<Vec<_>>>()?,
        )
    }

    /// The primary cache key this response is stored under (RFC 9111 §2), e.g.
    /// ``"GET https://example.com/a"``. See the module's ``primary_key(request)``.
    fn primary_key(&self) -> String {
        self.inner.primary_key()
    }

    /// The secondary cache key (RFC 9111 §4.1): one ``name=value`` line per field the response's
    /// Vary names, sorted, joined by newlines ("" without Vary). With ``request``: that
    /// request's key for this response, equal exactly when it matches the Vary.
    #[pyo3(signature = (request = None))]
    fn secondary_key(&self, request: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        match request {
            None => Ok(self.inner.secondary_key()),
            Some(r) => {
                let held = hold_request(r, "request")?;
                Ok(self.inner.secondary_key_for(&held.view()?))
            }
        }
    }

    /// The ``Cache-Status`` list member (RFC 9211) for answering ``new_request`` at ``now``, e.g.
    /// ``"edge; hit; ttl=376"``: the decision gives ``hit`` or ``fwd`` and ``ttl``; add what
    /// only the caller knows: ``fwd_status`` (the next hop's status), ``stored``,
    /// ``collapsed``, ``key``, ``detail``.
    #[pyo3(signature = (new_request, cache, *, now = None, fwd_status = None, stored = None,
        collapsed = None, key = None, detail = None))]
    #[allow(clippy::too_many_arguments)]
    fn cache_status(
        &self,
        new_request: &Bound<'_, PyAny>,
        cache: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
        fwd_status: Option<&Bound<'_, PyAny>>,
        stored: Option<&Bound<'_, PyAny>>,
        collapsed: Option<&Bound<'_, PyAny>>,
        key: Option<&Bound<'_, PyAny>>,
        detail: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let extras = StatusExtras::of(fwd_status, stored, collapsed, key, detail)?;
        let cache = convert::opt_string(Some(cache), "cache")?.unwrap_or_default();
        let now = time(now, "now")?;
        let held = hold_request(new_request, "new_request")?;
        let req = held.view()?;
        let e = self.inner.evaluate(&req, now);
        Ok(extras.finish(CacheStatus::from_evaluation(cache, &e)))
    }

    /// The policy as bytes (a stable, versioned format), to store next to the response body.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    /// Reads a policy written by ``to_bytes()`` (``bytes``, ``bytearray`` or ``memoryview``).
    /// Raises ``CachePolicyError`` (a ``ValueError``) for bytes that are not one.
    #[classmethod]
    fn from_bytes(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let copied;
        let bytes = match data.cast::<PyBytes>() {
            Ok(b) => b,
            Err(_)
                if data.is_instance_of::<pyo3::types::PyByteArray>()
                    || data.is_instance_of::<pyo3::types::PyMemoryView>() =>
            {
                copied = py
                    .get_type::<PyBytes>()
                    .call1((data,))?
                    .cast_into::<PyBytes>()?;
                &copied
            }
            Err(_) => {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "data: expected bytes, bytearray or memoryview, got {}",
                    convert::type_name(data)
                )))
            }
        };
        let inner =
            CachePolicy::from_bytes(bytes.as_bytes()).map_err(|e| refused(py, &e, "data"))?;
        Ok(Self::wrap(inner, None, None))
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let from_bytes = py.get_type::<PyCachePolicy>().getattr("from_bytes")?;
        Ok((from_bytes, (self.to_bytes(py),)))
    }

    /// Policies are immutable: a copy is the policy itself.
    fn __copy__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __deepcopy__(slf: Py<Self>, _memo: &Bound<'_, PyAny>) -> Py<Self> {
        slf
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyCachePolicy>()
            .is_ok_and(|o| o.get().inner.to_bytes() == self.inner.to_bytes())
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.inner.to_bytes().hash(&mut h);
        h.finish()
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        let storable = match p.not_storable_reason() {
            None => "storable".to_string(),
            Some(r) => format!("not storable: {}", r.code()),
        };
        format!(
            "<CachePolicy {} {} -> {}, {storable}, max_age={}>",
            p.method(),
            p.url(),
            p.status(),
            p.freshness_lifetime().as_secs_f64()
        )
    }
}

fn describe(decision: Decision, reason: Option<Reason>) -> &'static str {
    match reason {
        Some(r) => r.description(),
        None if decision == Decision::Fresh => {
            "serve the stored response: it is fresh (RFC 9111 §4.2)"
        }
        None => "",
    }
}

/// The whole decision for a new request, from ``CachePolicy.evaluate()``.
#[pyclass(frozen, module = "cachepolicy", name = "Evaluation")]
pub struct Evaluation {
    decision: Decision,
    reason: Option<Reason>,
    response_headers: Option<Py<PyList>>,
    revalidation_headers: Option<Py<PyList>>,
}

#[pymethods]
impl Evaluation {
    /// What to do: ``"fresh"`` (serve it), ``"stale"`` (serve it although stale: max-stale),
    /// ``"stale_while_revalidate"`` (serve it, revalidate in the background), ``"revalidate"``
    /// (send the conditional request first), ``"no_match"`` (forward the request),
    /// ``"gateway_timeout"`` (only-if-cached and nothing usable: reply 504).
    #[getter]
    fn decision(&self) -> &'static str {
        self.decision.code()
    }

    /// Why, as a reason code (``"stale"``, ``"vary_mismatch"``, ...); ``None`` for a fresh hit.
    #[getter]
    fn reason(&self) -> Option<&'static str> {
        self.reason.map(Reason::code)
    }

    /// One line of text saying why, citing the RFC.
    #[getter]
    fn description(&self) -> &'static str {
        describe(self.decision, self.reason)
    }

    /// Whether the stored response is served now (fresh, stale, stale_while_revalidate).
    #[getter]
    fn serves_stored(&self) -> bool {
        self.decision.serves_stored()
    }

    /// Whether a request goes to the origin, now or in the background.
    #[getter]
    fn contacts_origin(&self) -> bool {
        self.decision.contacts_origin()
    }

    /// The headers to serve the stored response with, when the decision serves it; else ``None``.
    #[getter]
    fn response_headers(&self, py: Python<'_>) -> Option<Py<PyList>> {
        self.response_headers.as_ref().map(|l| l.clone_ref(py))
    }

    /// The request headers to send to the origin when the decision contacts it (conditional
    /// for a revalidation, plain for a forwarded request); else ``None``.
    #[getter]
    fn revalidation_headers(&self, py: Python<'_>) -> Option<Py<PyList>> {
        self.revalidation_headers.as_ref().map(|l| l.clone_ref(py))
    }

    fn __repr__(&self) -> String {
        match self.reason {
            Some(r) => format!("<Evaluation {} ({})>", self.decision.code(), r.code()),
            None => format!("<Evaluation {}>", self.decision.code()),
        }
    }
}

/// The result of ``CachePolicy.revalidated_policy()``; unpacks as ``policy, modified``.
#[pyclass(frozen, module = "cachepolicy", name = "Revalidation")]
pub struct Revalidation {
    policy: Py<PyCachePolicy>,
    modified: bool,
    matches: bool,
    outcome: RevalidationOutcome,
}


#[pymethods]
impl Revalidation {
    /// The policy to keep from now on (replace the old one with it).
    #[getter]
    fn policy(&self, py: Python<'_>) -> Py<PyCachePolicy> {
        self.policy.clone_ref(py)
    }

    /// True when the stored body can no longer be used: use the new response's body, or repeat
    /// the request without conditional headers. False: reuse the stored body.
    #[getter]
    fn modified(&self) -> bool {
        self.modified
    }

    /// True when the answer was matched to the stored response (or it is kept on error).
    #[getter]
    fn matches(&self) -> bool {
        self.matches
    }

    /// What happened: ``"not_modified"`` (a matching 304 freshened it), ``"modified"`` (a new
    /// response replaces it), ``"not_matched"`` (a 304 for something else: repeat the request
    /// unconditionally), ``"head_mismatch"`` (a HEAD showed it is outdated; now stale),
    /// ``"stale_if_error"`` (error or no answer, keep serving it), ``"failed"`` (no answer and
    /// it may not be served stale).
    #[getter]
    fn outcome(&self) -> &'static str {
        RevalidationOutcome::code(self.outcome)
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pair = PyTuple::new(
            py,
            [
                self.policy.bind(py).clone().into_any(),
                pyo3::types::PyBool::new(py, self.modified)
                    .to_owned()
                    .into_any(),
            ],
        )?;
        pair.try_iter().map(Bound::into_any)
    }

    fn __len__(&self) -> usize {
        2
    }

    fn __getitem__(&self, py: Python<'_>, index: isize) -> PyResult<Py<PyAny>> {
        match index {
            0 | -2 => Ok(self.policy.clone_ref(py).into_any()),
            1 | -1 => Ok(pyo3::types::PyBool::new(py, self.modified)
                .to_owned()
                .into_any()
                .unbind()),
            _ => Err(pyo3::exceptions::PyIndexError::new_err(
                "Revalidation index out of range (it unpacks as policy, modified)",
            )),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "<Revalidation modified={} matches={} outcome={}>",
            if self.modified { "True" } else { "False" },
            if self.matches { "True" } else { "False" },
            RevalidationOutcome::code(self.outcome)
        )
    }
}

/// What only the caller knows about a `Cache-Status` member.
struct StatusExtras {
    fwd_status: Option<u16>,
    stored: bool,
    collapsed: bool,
    key: Option<String>,
    detail: Option<String>,
}

impl StatusExtras {
    fn of(
        fwd_status: Option<&Bound<'_, PyAny>>,
        stored: Option<&Bound<'_, PyAny>>,
        collapsed: Option<&Bound<'_, PyAny>>,
        key: Option<&Bound<'_, PyAny>>,
        detail: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let fwd_status = match convert::opt_int(fwd_status, "fwd_status")? {
            None => None,
            Some(s @ 100..=999) => Some(s as u16),
            Some(s) => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "fwd_status: must be a status code 100-999, got {s}"
                )))
            }
        };
        Ok(StatusExtras {
            fwd_status,
            stored: convert::opt_bool(stored, "stored")?.unwrap_or(false),
            collapsed: convert::opt_bool(collapsed, "collapsed")?.unwrap_or(false),
            key: convert::opt_string(key, "key")?,
            detail: convert::opt_string(detail, "detail")?,
        })
    }

    fn finish(self, mut status: CacheStatus) -> String {
        if let Some(s) = self.fwd_status {
            status = status.with_fwd_status(s);
        }
        status = status
            .with_stored(self.stored)
            .with_collapsed(self.collapsed);
        if let Some(k) = self.key {
            status = status.with_key(k);
        }
        if let Some(d) = self.detail {
            status = status.with_detail(d);
        }
        status.to_header_value()
    }
}

/// The ``Cache-Status`` list member (RFC 9211) of a cache that had nothing stored for the
/// request's URI: ``"<cache>; fwd=uri-miss"``, plus ``fwd_status``, ``stored``,
/// ``collapsed``, ``key`` and ``detail`` when given.
#[pyfunction]
#[pyo3(signature = (cache, *, fwd_status = None, stored = None, collapsed = None, key = None, detail = None))]
pub fn cache_status_miss(
    cache: &Bound<'_, PyAny>,
    fwd_status: Option<&Bound<'_, PyAny>>,
    stored: Option<&Bound<'_, PyAny>>,
    collapsed: Option<&Bound<'_, PyAny>>,
    key: Option<&Bound<'_, PyAny>>,
    detail: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    let extras = StatusExtras::of(fwd_status, stored, collapsed, key, detail)?;
    let cache = convert::opt_string(Some(cache), "cache")?.unwrap_or_default();
    Ok(extras.finish(CacheStatus::miss(cache)))
}

/// The primary cache key of ``request`` (RFC 9111 §2): ``"GET <normalised URI>"`` for GET and
/// HEAD, ``"<METHOD> <URI>"`` otherwise. Look stored responses up by it.
#[pyfunction]
pub fn primary_key(py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<String> {
    let held = hold_request(request, "request")?;
    let req = held.view()?;
    cachepolicy::primary_key(&req).map_err(|e| {
        refused(
            py,
            &e,
            &argument_of(&e, ("request", &req.lines), ("request", &[])),
        )
    })
}

/// Of several stored policies for one primary key, the one that answers ``request`` (RFC 9111
/// §4.1): among those that can (storable; method, URI and Vary match), the most recent by
/// Date, then by time of reception. ``None`` when none can.
#[pyfunction]
pub fn select_variant<'py>(
    policies: &Bound<'py, PyAny>,
    request: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyCachePolicy>>> {
    let policies: Vec<Bound<'py, PyCachePolicy>> = policies
        .try_iter()?
        .enumerate()
        .map(|(i, p)| {
            let p = p?;
            p.cast_into::<PyCachePolicy>().map_err(|e| {
                pyo3::exceptions::PyTypeError::new_err(format!(
                    "policies[{i}]: expected CachePolicy, got {}",
                    convert::type_name(&e.into_inner())
                ))
            })
        })
        .collect::<PyResult<_>>()?;
    let held = hold_request(request, "request")?;
    let req = held.view()?;
    let chosen = cachepolicy::select_variant(policies.iter().map(|p| &p.get().inner), &req);
    Ok(chosen.and_then(|c| {
        policies
            .iter()
            .find(|p| std::ptr::eq(&p.get().inner, c))
            .cloned()
    }))
}
