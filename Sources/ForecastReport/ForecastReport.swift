// ForecastReport module.
