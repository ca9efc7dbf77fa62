import Synchronization
import Foundation
import Testing
@testable import ForecastIngest

@Suite("reading the input file")
struct InputFileTests {
    @Test("a FIFO with no writer reads as empty instead of hanging")
    func fifoWithoutWriter() throws {
        let dir = try temporaryDirectory()
        let fifo = dir.appendingPathComponent("feed.csv").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let started = Date()
        #expect(try InputFile.read(fifo).isEmpty)
        #expect(Date().timeIntervalSince(started) < 5)
        let e = ingestError { try loadSeries(IngestOptions(path: fifo)) }
        #expect(e?.exitCode == 12, "an empty input: \(String(describing: e))")
    }

    @Test("a device is refused with exit 10, not read until memory runs out")
    func devicesAreRefused() {
        for device in ["/dev/zero", "/dev/null", "/dev/urandom"] {
            let e = ingestError { try InputFile.read(device) }
            #expect(e?.kind == .unreadablePath && e?.exitCode == 10, "\(device): \(String(describing: e))")
            #expect(e?.message.contains("device") == true)
        }
    }

    @Test("a file rewritten and truncated while it is read never crashes: bytes or a clear error")
    func shrinkingFileNeverCrashes() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("big.csv").path
        var text = "date,price\n"
        for day in 0..<400_000 { text += "\(day),\(Double(day) * 0.5)\n" }
        let full = Data(text.utf8)
        try full.write(to: URL(fileURLWithPath: path))
        let stop = Mutex(false)
        let writer = Thread {
            // Another program truncating and rewriting the file in place, over and over.
            while !stop.withLock({ $0 }) {
                let fd = open(path, O_WRONLY | O_TRUNC)
                if fd >= 0 {
                    full.prefix(Int.random(in: 0..<full.count)).withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
                    close(fd)
                }
            }
        }
        writer.start()
        defer { stop.withLock { $0 = true } }
        var outcomes: Set<String> = []
        for _ in 0..<30 {
            do {
                _ = try loadSeries(IngestOptions(path: path, dateColumn: "date", dateFormat: nil))
                outcomes.insert("ok")
            } catch let e as IngestError {
                outcomes.insert("\(e.exitCode)")
            }
        }
        // Reaching this line is the point (a mapped file would have died with SIGBUS); every
        // failure was an ingest error with its exit code.
        #expect(!outcomes.isEmpty)
    }
}
