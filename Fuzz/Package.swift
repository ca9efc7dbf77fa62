// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets over the untrusted inputs (see README.md for the commands): the CSV reader
// and the date parser, the pipeline YAML loader, and the checkpoint reader.
let package = Package(
    name: "CSVFuzz",
    dependencies: [.package(name: "forecast", path: "..")],
    targets: [
        .executableTarget(name: "CSVFuzz", dependencies: [.product(name: "ForecastIngest", package: "forecast")]),
        .executableTarget(name: "PipelineFuzz", dependencies: [
            .product(name: "ForecastPipeline", package: "forecast"),
            .product(name: "ForecastWorkflow", package: "forecast"),
        ]),
        .executableTarget(name: "CheckpointFuzz", dependencies: [
            .product(name: "ForecastModels", package: "forecast"),
            .product(name: "ForecastWorkflow", package: "forecast"),
            .product(name: "ForecastIngest", package: "forecast"),
            .product(name: "ForecastCore", package: "forecast"),
        ]),
    ],
    swiftLanguageModes: [.v5]
)
