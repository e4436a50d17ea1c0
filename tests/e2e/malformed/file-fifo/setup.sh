mkfifo x.yaml
