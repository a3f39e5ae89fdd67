"""What a model is shown: `templates` turns questions into conversations from the templates in
config and fits retrieved context into the model's window; `substitutes` reads the tables that
change facts in the context (`strategy.context=counterfactual`)."""
