// ForecastModels module.
