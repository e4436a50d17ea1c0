printf 'kind: KmsKey\nname: k2\x00\n' > x.yaml
