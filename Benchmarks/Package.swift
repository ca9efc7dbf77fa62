// swift-tools-version:6.0
import PackageDescription

// Benchmarks live in their own package so the main build and `swift test` never compile them.
// Build and run through scripts/bench/models.sh (release, one BLAS thread).
let package = Package(
    name: "forecast-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "forecast", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "ModelBench",
            dependencies: [.product(name: "ForecastModels", package: "forecast")]
        ),
        .executableTarget(
            name: "StatBench",
            dependencies: [.product(name: "ForecastModels", package: "forecast"),
                           .product(name: "ForecastIngest", package: "forecast")]
        ),
    ],
    swiftLanguageModes: [.v5]
)
