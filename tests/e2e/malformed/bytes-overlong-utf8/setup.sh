printf 'kind: KmsKey\nname: k\xc0\xaf\n' > x.yaml
