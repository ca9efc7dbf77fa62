#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { Glibc.read(fd, buffer, count) }
#else
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { Darwin.read(fd, buffer, count) }
#endif

/// The whole input in memory: a read-only file mapping, or an allocated copy.
// @unchecked Sendable: the bytes are never written after creation; `drop` only advises the kernel.
final class InputRegion: @unchecked Sendable {
    let base: UnsafePointer<UInt8>
    let count: Int
    private let mapped: Bool

    init(base: UnsafePointer<UInt8>, count: Int, mapped: Bool) {
        self.base = base
        self.count = count
        self.mapped = mapped
    }

    deinit {
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            UnsafeMutablePointer(mutating: base).deallocate()
        }
    }

    /// Gives the pages wholly inside `range` back to the system (they are read again from the
    /// page cache if touched later), so that resident memory stays at the blocks being parsed.
    func drop(_ range: Range<Int>) {
        guard mapped else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let address = Int(bitPattern: base)
        let lo = (address + range.lowerBound + page - 1) / page * page
        let hi = (address + range.upperBound) / page * page
        if hi > lo { _ = madvise(UnsafeMutableRawPointer(bitPattern: lo), hi - lo, MADV_DONTNEED) }
    }
}

/// The bytes of the input: a file (mapped, or read in chunks), or an in-memory buffer.
///
/// Error paths re-read from the start (`lineContaining`), so the hot path keeps no line index.
final class ByteSource {
    private enum Storage {
        case file(path: String, fd: Int32)
        case memory([UInt8])
    }

    private var storage: Storage
    private var position = 0
    /// Display name for messages.
    let name: String
    /// Total size in bytes, when known (regular files and memory).
    let size: Int?

    /// Opens `path` for reading; throws `.unreadablePath` (exit 10) for a missing, unreadable or
    /// directory path.
    init(path: String) throws {
        name = path
        func fail(_ what: String, _ hint: String) -> IngestError {
            IngestError(.unreadablePath, file: path, message: what, hint: hint)
        }
        var st = stat()
        if stat(path, &st) != 0 {
            let code = errno
            switch code {
            case ENOENT, ENOTDIR:
                throw fail("no such file", "check the path; it is relative to the current directory")
            case EACCES:
                throw fail("permission denied", "make the file readable (chmod +r) or run as a user who can read it")
            default:
                throw fail("cannot access the file: \(String(cString: strerror(code)))", "check the path and its permissions")
            }
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw fail("is a directory, not a CSV file", "give the path of a .csv file inside it")
        }
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            let code = errno
            if code == EACCES {
                throw fail("permission denied", "make the file readable (chmod +r) or run as a user who can read it")
            }
            throw fail("cannot open the file: \(String(cString: strerror(code)))", "check the path and its permissions")
        }
        storage = .file(path: path, fd: fd)
        size = (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : nil
    }

    init(bytes: [UInt8], name: String) {
        self.name = name
        storage = .memory(bytes)
        size = bytes.count
    }

    deinit {
        if case .file(_, let fd) = storage { close(fd) }
    }

    /// The whole input as one contiguous, read-only region. A regular file is mapped (no copy;
    /// pages are read on first touch and can be dropped again with `InputRegion.drop`), anything
    /// else is read into memory. Throws `.unreadablePath` on an I/O error.
    func contents() throws -> InputRegion {
        if case .file(_, let fd) = storage, let size, size > 0 {
            let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
            if let p, p != MAP_FAILED {
                _ = madvise(p, size, MADV_SEQUENTIAL)
                return InputRegion(base: UnsafePointer(p.assumingMemoryBound(to: UInt8.self)), count: size, mapped: true)
            }
        }
        // Not mappable (a pipe, a special file) or in memory: read it all.
        var capacity = max(size ?? 0, 1 << 16)
        var base = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        var count = 0
        do {
            while true {
                if count == capacity {
                    let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                    bigger.update(from: base, count: count)
                    base.deallocate()
                    base = bigger
                    capacity *= 2
                }
                let n = try read(into: base + count, capacity: capacity - count)
                if n == 0 { break }
                count += n
            }
        } catch {
            base.deallocate()
            throw error
        }
        return InputRegion(base: UnsafePointer(base), count: count, mapped: false)
    }

    /// Reads up to `capacity` bytes into `buffer`; 0 at the end. Throws `.unreadablePath` on an I/O error.
    func read(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) throws -> Int {
        switch storage {
        case .memory(let bytes):
            let n = min(capacity, bytes.count - position)
            if n > 0 {
                bytes.withUnsafeBufferPointer { src in
                    buffer.update(from: src.baseAddress! + position, count: n)
                }
            }
            position += n
            return n
        case .file(_, let fd):
            while true {
                let n = systemRead(fd, buffer, capacity)
                if n >= 0 { position += n; return n }
                if errno == EINTR { continue }
                let code = errno
                throw IngestError(.unreadablePath, file: name,
                                  message: "read error: \(String(cString: strerror(code)))",
                                  hint: code == EISDIR ? "give the path of a .csv file" : "check the disk and the file")
            }
        }
    }

    /// Re-reads the input from the start and returns the 1-based line number of byte `offset`,
    /// the text of that line (decoded leniently, long lines cut) and the byte column in the line.
    /// Used only to build error messages. O(offset).
    func lineContaining(offset: Int) -> (line: Int, text: String, byteColumn: Int) {
        var line = 1
        var lineStart = 0
        var current: [UInt8] = []
        forEachByteChunk { chunk, chunkOffset in
            for (k, b) in chunk.enumerated() {
                let at = chunkOffset + k
                if at < offset {
                    if b == 0x0A {
                        line += 1
                        lineStart = at + 1
                        current.removeAll(keepingCapacity: true)
                    } else if b != 0x0D {
                        current.append(b)
                        if current.count > 400 { current.removeFirst(200) }
                    }
                } else {
                    if b == 0x0A || b == 0x0D || current.count >= 600 { return false }
                    current.append(b)
                }
            }
            return true
        }
        return (line, String(decoding: current, as: UTF8.self), offset - lineStart + 1)
    }

    /// The text of 1-based line `number` (up to 200 bytes, decoded leniently), or "" past the end.
    /// O(file size).
    func line(_ number: Int) -> String {
        String(decoding: rawLine(number, limit: 200), as: UTF8.self)
    }

    /// The bytes of 1-based line `number` without its line end, at most `limit` of them.
    func rawLine(_ number: Int, limit: Int) -> [UInt8] {
        var line = 1
        var collected: [UInt8] = []
        forEachByteChunk { chunk, _ in
            for b in chunk {
                if b == 0x0A {
                    if line == number { return false }
                    line += 1
                } else if line == number && b != 0x0D && collected.count < limit {
                    collected.append(b)
                }
            }
            return true
        }
        return collected
    }

    /// Calls `body` with successive chunks of the whole input from byte 0, independently of the
    /// streaming position, until it returns false.
    private func forEachByteChunk(_ body: ([UInt8], Int) -> Bool) {
        switch storage {
        case .memory(let bytes):
            _ = body(bytes, 0)
        case .file(let path, _):
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { return }
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            var offset = 0
            while true {
                let n = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
                if n <= 0 { return }
                if !body(Array(buffer[0..<n]), offset) { return }
                offset += n
            }
        }
    }
}
