//! `at(v)` allocates nothing besides the output buffer, and matches plain serde byte for byte;
//! `decode` allocates no more than plain serde.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use metrics_core::{Metrics, Version};

struct CountingAllocator;

thread_local! {
    /// Allocations made by this thread (tests run in parallel threads).
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[test]
fn serializing_at_a_version_allocates_nothing_but_the_buffer() {
    let check = schema::sample_update_check(Version::parse("2018.2.2").unwrap());
    for text in ["2.5", "3.4.0-beta.2", "2018.2.2"] {
        let version = Version::parse(text).unwrap();
        let mut buffer = Vec::with_capacity(8192);
        let before = allocations();
        serde_json::to_writer(&mut buffer, &check.at(&version)).unwrap();
        let after = allocations();
        assert_eq!(after - before, 0, "{text}: allocations while serializing");
        assert!(buffer.len() > 100);
    }
}

#[test]
fn the_newest_payload_equals_plain_serde_byte_for_byte() {
    let stats = schema::sample_statistics();
    let ours = serde_json::to_string(&stats.at(&Version::parse("2018.2.2").unwrap())).unwrap();
    let plain = serde_json::to_string(&metrics_tests::plain_sample()).unwrap();
    assert_eq!(ours, plain);
}

#[test]
fn decoding_allocates_no_more_than_plain_serde() {
    let version = Version::parse("2018.2.2").unwrap();
    let bytes = serde_json::to_vec(&schema::sample_statistics().at(&version)).unwrap();

    let before = allocations();
    let plain: metrics_tests::PlainStatistics = serde_json::from_slice(&bytes).unwrap();
    let plain_allocations = allocations() - before;

    let before = allocations();
    let decoded = schema::UsageStatistics::decode(&version, &bytes);
    let ours = allocations() - before;

    assert!(decoded.is_ok());
    // Only the maps' nodes: no Value tree, no key strings, no violation list.
    assert_eq!(ours, plain_allocations);
    assert_eq!(
        ours,
        plain.deployment_steps.len().min(1) + plain.community_steps.len().min(1)
    );
}
