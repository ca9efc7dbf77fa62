#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if os(Linux)
// Buffers are mapped directly (mmap / mremap / munmap) rather than taken from malloc: freed
// memory goes back to the system at once, whichever thread allocated it. (glibc keeps memory
// freed into per-thread arenas, and raises its mmap threshold after a large free, so malloc'd
// column buffers freed during the merge would stay resident and inflate peak RSS.)
private func resizeMemory(_ old: UnsafeMutableRawPointer?, from oldBytes: Int, to bytes: Int) -> UnsafeMutableRawPointer? {
    let page = 4096
    let newSize = (bytes + page - 1) / page * page
    let oldSize = (oldBytes + page - 1) / page * page
    if old != nil && newSize <= oldSize { return old }
    let p = mmap(nil, newSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0)
    guard let p, p != MAP_FAILED else { return nil }
    if let old {
        // mremap is not exposed to Swift; growing is rare (capacity is reserved from an estimate).
        p.copyMemory(from: old, byteCount: oldBytes)
        munmap(old, oldSize)
    }
    return p
}

private func releaseMemory(_ p: UnsafeMutableRawPointer, bytes: Int) {
    let page = 4096
    munmap(p, (bytes + page - 1) / page * page)
}
#else
private func resizeMemory(_ old: UnsafeMutableRawPointer?, from oldBytes: Int, to bytes: Int) -> UnsafeMutableRawPointer? {
    realloc(old, bytes)
}

private func releaseMemory(_ p: UnsafeMutableRawPointer, bytes: Int) { free(p) }
#endif

/// A manually managed, growable array of plain values used by the reader's per-cell loop.
///
/// Unlike `Array`, appending through a pointer to it has no uniqueness or exclusivity check.
/// Growth is by 1.5× (a copy; rare, as callers reserve an estimate first). On Linux the memory is
/// mapped with MAP_POPULATE: one system call instead of a page fault per 4 KiB, so callers
/// should reserve what they expect to use, not more. The owner must call `free()` exactly once.
struct GrowableBuffer<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>? = nil
    private(set) var count = 0
    private(set) var capacity = 0

    @inline(__always)
    mutating func append(_ value: Element) {
        if count == capacity { reserve(Swift.max(1024, capacity + capacity / 2)) }
        base.unsafelyUnwrapped[count] = value
        count += 1
    }

    mutating func reserve(_ newCapacity: Int) {
        guard newCapacity > capacity else { return }
        let bytes = newCapacity * MemoryLayout<Element>.stride
        guard let raw = resizeMemory(base.map { UnsafeMutableRawPointer($0) },
                                     from: capacity * MemoryLayout<Element>.stride, to: bytes) else {
            // Out of memory is not an input error; nothing sensible remains to be done.
            fatalError("GrowableBuffer: cannot allocate \(bytes) bytes")
        }
        base = raw.bindMemory(to: Element.self, capacity: newCapacity)
        capacity = newCapacity
    }

    subscript(i: Int) -> Element { base.unsafelyUnwrapped[i] }

    /// Releases the memory; the buffer is empty afterwards.
    mutating func free() {
        if let base { releaseMemory(UnsafeMutableRawPointer(base), bytes: capacity * MemoryLayout<Element>.stride) }
        base = nil
        count = 0
        capacity = 0
    }
}
