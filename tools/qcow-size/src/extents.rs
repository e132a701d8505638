//! Guest extents of each layer and their flattening through a backing chain: which guest bytes
//! read as data from some layer once every overlay has had its say.

use crate::scan::{Content, Extent};

/// One run of a layer: guest `[start, end)`, its content, and where data is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    start: u64,
    end: u64,
    content: Content,
    host: Option<u64>,
}

/// The sorted, merged extents a layer allocates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerMap {
    runs: Vec<Run>,
}

impl LayerMap {
    /// Appends an extent; extents arrive in guest order, and adjacent ones of the same content
    /// (and contiguous storage) are merged.
    pub fn push(&mut self, extent: Extent) {
        let end = extent.guest + extent.length;
        if let Some(last) = self.runs.last_mut()
            && last.end == extent.guest
            && last.content == extent.content
            && last.host.map(|h| h + (last.end - last.start)) == extent.host
        {
            last.end = end;
            return;
        }
        self.runs.push(Run {
            start: extent.guest,
            end,
            content: extent.content,
            host: extent.host,
        });
    }

    /// Turns stored data whose storage is a hole of the host file (`host_data` lists the parts
    /// that are not holes) into zeros, as QEMU's block status reports it.
    pub fn keep_host_data(&mut self, host_data: &[(u64, u64)]) {
        let mut runs = Vec::with_capacity(self.runs.len());
        for run in &self.runs {
            let Some(host) = run.host.filter(|_| run.content == Content::Data) else {
                runs.push(*run);
                continue;
            };
            let len = run.end - run.start;
            let stored = intersect(host, host + len, host_data);
            let mut at = run.start;
            for (s, e) in stored {
                let (gs, ge) = (run.start + (s - host), run.start + (e - host));
                if gs > at {
                    runs.push(Run {
                        start: at,
                        end: gs,
                        content: Content::Zero,
                        host: None,
                    });
                }
                runs.push(Run {
                    start: gs,
                    end: ge,
                    content: Content::Data,
                    host: Some(s),
                });
                at = ge;
            }
            if at < run.end {
                runs.push(Run {
                    start: at,
                    end: run.end,
                    content: Content::Zero,
                    host: None,
                });
            }
        }
        self.runs = runs;
    }

    /// The data ranges `[start, end)` of this layer alone.
    fn data(&self) -> Vec<(u64, u64)> {
        self.runs
            .iter()
            .filter(|r| r.content == Content::Data)
            .map(|r| (r.start, r.end))
            .collect()
    }

    /// Every range this layer allocates, data or zeros.
    fn allocated(&self) -> Vec<(u64, u64)> {
        self.runs.iter().map(|r| (r.start, r.end)).collect()
    }
}

/// The parts of `[start, end)` inside the sorted ranges `ranges`.
fn intersect(start: u64, end: u64, ranges: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let first = ranges.partition_point(|r| r.1 <= start);
    ranges[first..]
        .iter()
        .take_while(|r| r.0 < end)
        .map(|r| (r.0.max(start), r.1.min(end)))
        .filter(|r| r.0 < r.1)
        .collect()
}

/// The guest ranges that read as data through a chain (`layers[0]` on top), below `size`.
pub fn flatten(layers: &[LayerMap], size: u64) -> Vec<(u64, u64)> {
    let mut covered: Vec<(u64, u64)> = Vec::new();
    let mut data = Vec::new();
    for layer in layers {
        data.extend(subtract(&layer.data(), &covered));
        covered = union(&covered, &layer.allocated());
    }
    data.sort_unstable();
    data.into_iter()
        .filter(|r| r.0 < size)
        .map(|(s, e)| (s, e.min(size)))
        .collect()
}

/// Total bytes of sorted, disjoint ranges.
pub fn total(ranges: &[(u64, u64)]) -> u64 {
    ranges.iter().map(|(s, e)| e - s).sum()
}

/// The parts of sorted ranges `a` outside the sorted, merged ranges `b`.
fn subtract(a: &[(u64, u64)], b: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut j = 0;
    for &(start, end) in a {
        let mut at = start;
        while j < b.len() && b[j].1 <= at {
            j += 1;
        }
        let mut k = j;
        while at < end {
            match b.get(k) {
                Some(&(bs, be)) if bs < end => {
                    if bs > at {
                        out.push((at, bs));
                    }
                    at = at.max(be);
                    k += 1;
                }
                _ => {
                    out.push((at, end));
                    at = end;
                }
            }
        }
    }
    out
}

/// The union of two sorted range lists, merged.
fn union(a: &[(u64, u64)], b: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut all: Vec<(u64, u64)> = a.iter().chain(b).copied().collect();
    all.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(all.len());
    for (s, e) in all {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(extents: &[(u64, u64, Content, Option<u64>)]) -> LayerMap {
        let mut map = LayerMap::default();
        for &(guest, length, content, host) in extents {
            map.push(Extent {
                guest,
                length,
                content,
                host,
            });
        }
        map
    }

    #[test]
    fn merges_adjacent_extents() {
        let map = layer(&[
            (0, 10, Content::Data, Some(100)),
            (10, 5, Content::Data, Some(110)),
            (15, 5, Content::Data, Some(500)),
            (20, 5, Content::Zero, None),
        ]);
        assert_eq!(map.data(), vec![(0, 15), (15, 20)]);
        assert_eq!(map.allocated(), vec![(0, 15), (15, 20), (20, 25)]);
    }

    #[test]
    fn upper_layers_hide_lower_ones() {
        let top = layer(&[(10, 10, Content::Zero, None), (40, 10, Content::Data, None)]);
        let base = layer(&[(0, 100, Content::Data, None)]);
        let flat = flatten(&[top, base], 90);
        assert_eq!(flat, vec![(0, 10), (20, 40), (40, 50), (50, 90)]);
        assert_eq!(total(&flat), 80);
    }

    #[test]
    fn holes_of_the_host_file_read_as_zeros() {
        let mut map = layer(&[
            (0, 100, Content::Data, Some(1000)),
            (100, 10, Content::Data, None),
        ]);
        map.keep_host_data(&[(0, 10), (1010, 1020), (1090, 2000)]);
        assert_eq!(map.data(), vec![(10, 20), (90, 100), (100, 110)]);
        assert_eq!(
            map.allocated(),
            vec![(0, 10), (10, 20), (20, 90), (90, 100), (100, 110)]
        );
    }

    #[test]
    fn subtracts_and_unites() {
        assert_eq!(
            subtract(&[(0, 10)], &[(2, 3), (5, 7)]),
            vec![(0, 2), (3, 5), (7, 10)]
        );
        assert_eq!(
            subtract(&[(0, 10), (20, 30)], &[(5, 25)]),
            vec![(0, 5), (25, 30)]
        );
        assert_eq!(
            union(&[(0, 5)], &[(3, 8), (10, 12)]),
            vec![(0, 8), (10, 12)]
        );
        assert_eq!(
            intersect(5, 15, &[(0, 6), (8, 9), (14, 20)]),
            vec![(5, 6), (8, 9), (14, 15)]
        );
    }
}
