mkdir -p a/b/c && printf 'kind: KmsKey\nname: [\n' > a/b/c/deep.yaml
