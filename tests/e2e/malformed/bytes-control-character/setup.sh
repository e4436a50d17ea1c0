printf 'kind: KmsKey\nname: k2\x01\n' > x.yaml
