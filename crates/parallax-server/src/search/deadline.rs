//! A time limit inside a tantivy search. tantivy has no timeout of its own,
//! and a query keeps its thread busy until it has visited every matching
//! document, long after the client gave up (a phrase of six stop words with
//! a large slop took 73 s). [`DeadlineQuery`] wraps a parsed query: its
//! scorer checks the clock every [`CHECK_EVERY`] documents and ends the
//! walk once the deadline passes, so the search returns what it found so
//! far and its thread is free again.
//!
//! Written by hand because tantivy offers no cancellation hook; the wrapper
//! costs block-WAND pruning (every match is scored), which measured cheap
//! beside the queries' own work (see `scripts/bench-serve.sh`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

/// Documents visited between two looks at the clock: a look costs about
/// 20 ns, a document at least as much, so the check costs under 1%.
const CHECK_EVERY: u32 = 64;

/// When a search must stop, and whether it had to.
#[derive(Debug, Clone)]
pub struct Deadline {
    at: Instant,
    expired: Arc<AtomicBool>,
}

impl Deadline {
    pub fn new(at: Instant) -> Deadline {
        Deadline { at, expired: Arc::new(AtomicBool::new(false)) }
    }

    /// Looks at the clock; once past, stays past.
    fn passed(&self) -> bool {
        if self.expired.load(Ordering::Relaxed) {
            return true;
        }
        let passed = Instant::now() >= self.at;
        if passed {
            self.expired.store(true, Ordering::Relaxed);
        }
        passed
    }

    /// True when the search was cut short.
    pub fn expired(&self) -> bool {
        self.expired.load(Ordering::Relaxed)
    }
}

/// `inner`, stopped at `deadline`.
#[derive(Debug)]
pub struct DeadlineQuery {
    inner: Box<dyn Query>,
    deadline: Deadline,
}

impl DeadlineQuery {
    pub fn new(inner: Box<dyn Query>, deadline: Deadline) -> DeadlineQuery {
        DeadlineQuery { inner, deadline }
    }
}

impl Clone for DeadlineQuery {
    fn clone(&self) -> Self {
        DeadlineQuery { inner: self.inner.box_clone(), deadline: self.deadline.clone() }
    }
}

impl Query for DeadlineQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let inner = self.inner.weight(enable_scoring)?;
        Ok(Box::new(DeadlineWeight { inner, deadline: self.deadline.clone() }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct DeadlineWeight {
    inner: Box<dyn Weight>,
    deadline: Deadline,
}

impl Weight for DeadlineWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        if self.deadline.passed() {
            return Ok(Box::new(tantivy::query::EmptyScorer));
        }
        let inner = self.inner.scorer(reader, boost)?;
        Ok(Box::new(DeadlineScorer { inner, deadline: self.deadline.clone(), countdown: CHECK_EVERY, stopped: false }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.inner.explain(reader, doc)
    }

    /// The plain walk over the wrapped scorer: the inner weight's own
    /// (block-WAND) walk could not be stopped.
    fn for_each_pruning(
        &self,
        mut threshold: Score,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score) -> Score,
    ) -> tantivy::Result<()> {
        let mut scorer = self.scorer(reader, 1.0)?;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            let score = scorer.score();
            if score > threshold {
                threshold = callback(doc, score);
            }
            doc = scorer.advance();
        }
        Ok(())
    }
}

struct DeadlineScorer {
    inner: Box<dyn Scorer>,
    deadline: Deadline,
    countdown: u32,
    stopped: bool,
}

impl DocSet for DeadlineScorer {
    fn advance(&mut self) -> DocId {
        if self.stopped {
            return TERMINATED;
        }
        self.countdown -= 1;
        if self.countdown == 0 {
            self.countdown = CHECK_EVERY;
            if self.deadline.passed() {
                self.stopped = true;
                return TERMINATED;
            }
        }
        self.inner.advance()
    }

    fn doc(&self) -> DocId {
        if self.stopped { TERMINATED } else { self.inner.doc() }
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }
}

impl Scorer for DeadlineScorer {
    fn score(&mut self) -> Score {
        self.inner.score()
    }
}
