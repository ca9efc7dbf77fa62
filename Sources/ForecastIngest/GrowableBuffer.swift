#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private func releaseMemory(_ p: UnsafeMutableRawPointer) { Glibc.free(p) }
#else
private func releaseMemory(_ p: UnsafeMutableRawPointer) { Darwin.free(p) }
#endif

/// A manually managed, growable array of plain values used by the reader's per-cell loop.
///
/// Unlike `Array`, appending through a pointer to it has no uniqueness or exclusivity check.
/// Growth is by 1.5× through `realloc` (which glibc serves with `mremap` for large blocks, so
/// growing does not need old + new memory at once). The owner must call `free()` exactly once.
struct GrowableBuffer<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>? = nil
    private(set) var count = 0
    private(set) var capacity = 0

    init(capacity: Int = 0) {
        if capacity > 0 { reserve(capacity) }
    }

    @inline(__always)
    mutating func append(_ value: Element) {
        if count == capacity { reserve(Swift.max(1024, capacity + capacity / 2)) }
        base.unsafelyUnwrapped[count] = value
        count += 1
    }

    mutating func reserve(_ newCapacity: Int) {
        guard newCapacity > capacity else { return }
        let bytes = newCapacity * MemoryLayout<Element>.stride
        guard let raw = realloc(base.map { UnsafeMutableRawPointer($0) }, bytes) else {
            // Out of memory is not an input error; nothing sensible remains to be done.
            fatalError("GrowableBuffer: cannot allocate \(bytes) bytes")
        }
        base = raw.bindMemory(to: Element.self, capacity: newCapacity)
        capacity = newCapacity
    }

    subscript(i: Int) -> Element {
        get { base.unsafelyUnwrapped[i] }
        set { base.unsafelyUnwrapped[i] = newValue }
    }

    /// A Swift array with a copy of the elements.
    func toArray() -> [Element] {
        guard let base, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: count))
    }

    /// Releases the memory; the buffer is empty afterwards.
    mutating func free() {
        if let base { releaseMemory(UnsafeMutableRawPointer(base)) }
        base = nil
        count = 0
        capacity = 0
    }
}
