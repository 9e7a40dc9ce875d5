//! Cache prefetch hints. Placing an article reads a few hundred places
//! scattered over the window's index (posting lists, member states,
//! neighbour lists), and waiting for each in turn was most of the time per
//! article (`parallax bench cluster`); asking for them all first lets the
//! waits overlap. A hint has no effect on results.

/// Bytes in a cache line on the CPUs Parallax runs on.
const CACHE_LINE: usize = 64;

/// Asks for every cache line of `items`.
#[inline]
pub(crate) fn slice<T>(items: &[T]) {
    let start = items.as_ptr().cast::<i8>();
    for offset in (0..std::mem::size_of_val(items)).step_by(CACHE_LINE) {
        line(start.wrapping_add(offset));
    }
}

#[inline]
fn line(address: *const i8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch only hints the cache; it never dereferences the
    // address or faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(address);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}
