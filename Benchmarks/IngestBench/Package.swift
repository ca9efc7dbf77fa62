// swift-tools-version:6.0
import PackageDescription

// Ingest throughput benchmark: a release executable over ForecastIngest, run by
// scripts/bench/ingest_bench.sh beside pandas.read_csv on the same file.
let package = Package(
    name: "IngestBench",
    dependencies: [.package(name: "forecast", path: "../..")],
    targets: [
        .executableTarget(name: "IngestBench", dependencies: [.product(name: "ForecastIngest", package: "forecast")]),
    ],
    swiftLanguageModes: [.v5]
)
