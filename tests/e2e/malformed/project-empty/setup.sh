: > keyform.yaml
