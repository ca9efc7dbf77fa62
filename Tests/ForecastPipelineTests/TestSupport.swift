import ForecastReport
import Foundation
@testable import ForecastPipeline

/// A fresh folder under the system temp directory, removed when the value is released.
final class TempDir {
    let url: URL

    init() throws {
        let base = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("forecast-pipeline-tests-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        // Resolve /tmp symlinks so paths compare equal to what the code under test computes.
        url = base.resolvingSymlinksInPath()
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL {
        let f = file(name)
        try FileManager.default.createDirectory(at: f.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: f, atomically: false, encoding: .utf8)
        return f
    }

    func read(_ name: String) throws -> String {
        try String(contentsOf: file(name), encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Every regular file below `folder` with its bytes, and every symlink with its target
/// ("-> target"), by path relative to `folder`; for checking that nothing changed.
func folderSnapshot(_ folder: URL) throws -> [String: Data] {
    var out: [String: Data] = [:]
    let fm = FileManager.default
    guard let e = fm.enumerator(atPath: folder.path) else { return out }
    for case let rel as String in e {
        let path = folder.appendingPathComponent(rel).path
        if let dest = try? fm.destinationOfSymbolicLink(atPath: path) {
            out[rel] = Data("-> \(dest)".utf8)
        } else if !RunFolders.isDirectory(URL(fileURLWithPath: path)) {
            out[rel] = try Data(contentsOf: URL(fileURLWithPath: path))
        }
    }
    return out
}

