printf 'kind: KmsKey\nname: k\xe2\x82' > x.yaml
