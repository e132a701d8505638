//! The OSV API client: `POST /v1/querybatch` in batches of at most 1000 queries (at most 10
//! in flight), following `next_page_token`, then `GET /v1/vulns/{id}` once per id. Network
//! errors, 429 and 5xx are retried with exponential backoff and jitter; anything else fails.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use serde::Deserialize;
use serde_json::{Value, json};
use shared::input::parse_json;

use crate::osv::Vulnerability;
use crate::package::Package;

/// The most queries the API accepts in one batch.
pub const MAX_BATCH: usize = 1000;
/// The most requests in flight at once.
pub const MAX_IN_FLIGHT: usize = 10;
/// The largest response body accepted.
const MAX_BODY: u64 = 64 << 20;

/// Connection settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The API root, e.g. `https://api.osv.dev`.
    pub base_url: String,
    /// The time limit of one request, connection and body included.
    pub timeout: Duration,
    /// How many times a failed request is retried.
    pub retries: u32,
    /// The first retry delay; it doubles at each attempt, plus up to as much jitter.
    pub retry_delay: Duration,
}

/// A client of one OSV API.
pub struct Client {
    agent: ureq::Agent,
    settings: Settings,
}

#[derive(Deserialize)]
struct BatchResponse {
    #[serde(default)]
    results: Vec<BatchResult>,
}

#[derive(Deserialize)]
struct BatchResult {
    #[serde(default)]
    vulns: Vec<IdOnly>,
    #[serde(default)]
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

/// Why one attempt failed, and whether another attempt may succeed.
struct Failure {
    message: String,
    transient: bool,
}

impl Client {
    /// A client with these settings.
    pub fn new(settings: Settings) -> Client {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(settings.timeout))
            .http_status_as_error(false)
            .user_agent(concat!("osv-check/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent: ureq::Agent::new_with_config(config),
            settings,
        }
    }

    /// The ids of the records affecting each package, in package order.
    pub fn query(&self, packages: &[Package]) -> Result<Vec<BTreeSet<String>>> {
        let queries: Vec<Value> = packages.iter().map(query_of).collect();
        let chunks: Vec<(usize, &[Value])> = queries
            .chunks(MAX_BATCH)
            .enumerate()
            .map(|(i, c)| (i * MAX_BATCH, c))
            .collect();
        let mut ids = vec![BTreeSet::new(); packages.len()];
        for wave in chunks.chunks(MAX_IN_FLIGHT) {
            let results: Vec<Result<Vec<BTreeSet<String>>>> = thread::scope(|scope| {
                let handles: Vec<_> = wave
                    .iter()
                    .map(|(_, chunk)| scope.spawn(move || self.run_batch(chunk)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|_| Err(anyhow!("a query thread panicked")))
                    })
                    .collect()
            });
            for ((start, _), result) in wave.iter().zip(results) {
                for (offset, set) in result?.into_iter().enumerate() {
                    ids[start + offset] = set;
                }
            }
        }
        Ok(ids)
    }

    /// Sends one batch, then re-sends the queries that returned a page token until none does.
    fn run_batch(&self, queries: &[Value]) -> Result<Vec<BTreeSet<String>>> {
        let mut ids = vec![BTreeSet::new(); queries.len()];
        let mut pending: Vec<(usize, Option<String>)> =
            (0..queries.len()).map(|i| (i, None)).collect();
        let mut pages = 0usize;
        while !pending.is_empty() {
            pages += 1;
            if pages > 10_000 {
                bail!("the API kept returning page tokens (more than 10000 pages)");
            }
            let batch: Vec<Value> = pending
                .iter()
                .map(|(i, token)| with_token(&queries[*i], token.as_deref()))
                .collect();
            let body = serde_json::to_vec(&json!({ "queries": batch }))?;
            let url = format!("{}/v1/querybatch", self.base());
            let response: BatchResponse = parse_json(&url, &self.send(&url, Some(&body))?)?;
            if response.results.len() != pending.len() {
                bail!(
                    "{url}: expected {} results, one per query, got {}",
                    pending.len(),
                    response.results.len()
                );
            }
            let mut next = Vec::new();
            for ((index, _), result) in pending.iter().zip(response.results) {
                ids[*index].extend(result.vulns.into_iter().map(|v| v.id));
                if let Some(token) = result.next_page_token.filter(|t| !t.is_empty()) {
                    next.push((*index, Some(token)));
                }
            }
            pending = next;
        }
        Ok(ids)
    }

    /// Fetches the full records of these ids, each once, at most 10 at a time.
    pub fn fetch(&self, ids: &BTreeSet<String>) -> Result<HashMap<String, Arc<Vulnerability>>> {
        let queue = Mutex::new(ids.iter().cloned().collect::<Vec<_>>());
        let found = Mutex::new(HashMap::new());
        let workers = MAX_IN_FLIGHT.min(ids.len()).max(1);
        let errors: Vec<anyhow::Error> = thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| scope.spawn(|| self.fetch_worker(&queue, &found)))
                .collect();
            handles
                .into_iter()
                .filter_map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow!("a fetch thread panicked")))
                        .err()
                })
                .collect()
        });
        if let Some(err) = errors.into_iter().next() {
            return Err(err);
        }
        found
            .into_inner()
            .map_err(|_| anyhow!("a fetch thread panicked"))
    }

    fn fetch_worker(
        &self,
        queue: &Mutex<Vec<String>>,
        found: &Mutex<HashMap<String, Arc<Vulnerability>>>,
    ) -> Result<()> {
        loop {
            let next = queue
                .lock()
                .map_err(|_| anyhow!("a fetch thread panicked"))?
                .pop();
            let Some(id) = next else { return Ok(()) };
            let url = format!("{}/v1/vulns/{id}", self.base());
            let record: Vulnerability = parse_json(&url, &self.send(&url, None)?)?;
            if record.id != id {
                bail!("{url}: expected the record {id}, got {}", record.id);
            }
            found
                .lock()
                .map_err(|_| anyhow!("a fetch thread panicked"))?
                .insert(id, Arc::new(record));
        }
    }

    fn base(&self) -> &str {
        self.settings.base_url.trim_end_matches('/')
    }

    /// One request with retries; the error names the URL, the attempts and the last cause.
    fn send(&self, url: &str, body: Option<&[u8]>) -> Result<Vec<u8>> {
        let attempts = self.settings.retries + 1;
        let mut last = String::new();
        for attempt in 0..attempts {
            if attempt > 0 {
                thread::sleep(self.delay(attempt));
            }
            match self.attempt(url, body) {
                Ok(bytes) => return Ok(bytes),
                Err(failure) if failure.transient => last = failure.message,
                Err(failure) => bail!("{url}: {}", failure.message),
            }
        }
        bail!("{url}: failed after {attempts} attempts: {last}")
    }

    fn delay(&self, attempt: u32) -> Duration {
        let base = self
            .settings
            .retry_delay
            .saturating_mul(1 << (attempt - 1).min(16));
        let jitter = base.mul_f64(fastrand::f64());
        base + jitter
    }

    fn attempt(&self, url: &str, body: Option<&[u8]>) -> Result<Vec<u8>, Failure> {
        let response = match body {
            Some(body) => self
                .agent
                .post(url)
                .header("content-type", "application/json")
                .send(body),
            None => self.agent.get(url).call(),
        };
        let mut response = response.map_err(|e| Failure {
            message: e.to_string(),
            transient: true,
        })?;
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(|e| Failure {
                message: format!("reading the response: {e}"),
                transient: true,
            })?;
        if status == 200 {
            return Ok(bytes);
        }
        let text = String::from_utf8_lossy(&bytes);
        let excerpt: String = text.chars().take(200).collect();
        Err(Failure {
            message: format!("HTTP status {status}: {}", excerpt.trim()),
            transient: status == 429 || status >= 500,
        })
    }
}

/// The query of one package: a commit, or a package with its version. Packages without a
/// version are never sent (the API would answer with every record for the package).
pub fn query_of(package: &Package) -> Value {
    if let Some(commit) = &package.commit {
        return json!({ "commit": commit });
    }
    json!({
        "package": { "name": package.name, "ecosystem": package.ecosystem.0 },
        "version": package.version,
    })
}

fn with_token(query: &Value, token: Option<&str>) -> Value {
    let mut query = query.clone();
    if let Some(token) = token {
        query["page_token"] = json!(token);
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_by_package_version_and_commit() {
        let p = Package::new("npm", "a", "1.0.0", "s");
        assert_eq!(
            query_of(&p),
            json!({"package": {"name": "a", "ecosystem": "npm"}, "version": "1.0.0"})
        );
        let c = Package::commit("https://example.org/r", "abc", "s");
        assert_eq!(query_of(&c), json!({"commit": "abc"}));
        assert_eq!(with_token(&query_of(&c), Some("t"))["page_token"], "t");
    }
}
