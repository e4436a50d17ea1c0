rm keyform.yaml
