import Foundation
import ProcessTestSupport

/// The repository root, found from this file's path.
let repositoryRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url
}()

/// The `forecast` binary built beside the tests (`swift build --build-tests` builds it).
let forecastBinary: URL = {
    // The test bundle lives in the products folder, next to the executable.
    let products = Bundle.main.bundleURL.deletingLastPathComponent()
    for candidate in [Bundle.main.bundleURL.appendingPathComponent("forecast"), products.appendingPathComponent("forecast"),
                      repositoryRoot.appendingPathComponent(".build/debug/forecast")] {
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return repositoryRoot.appendingPathComponent(".build/debug/forecast")
}()

/// Runs `forecast` with `arguments` in `directory` and waits for it.
func runForecast(_ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil) throws -> ProcessOutput {
    try runProcess(forecastBinary.path, arguments, environment: environment, currentDirectory: directory)
}

/// A fresh temporary folder.
func temporaryDirectory(_ name: String = "forecast-cli") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
