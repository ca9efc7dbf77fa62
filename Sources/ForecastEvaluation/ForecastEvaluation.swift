// ForecastEvaluation module.
