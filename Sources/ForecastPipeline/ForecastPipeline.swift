// ForecastPipeline module.
