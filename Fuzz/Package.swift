// swift-tools-version:6.0
import PackageDescription

// libFuzzer target over the CSV reader and the date parser (see README.md for the commands).
let package = Package(
    name: "CSVFuzz",
    dependencies: [.package(name: "forecast", path: "..")],
    targets: [
        .executableTarget(name: "CSVFuzz", dependencies: [.product(name: "ForecastIngest", package: "forecast")]),
    ],
    swiftLanguageModes: [.v5]
)
