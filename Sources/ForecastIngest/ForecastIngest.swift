// ForecastIngest module.
