printf 'kind: KmsKey\nname: k2\n\xef\xbb\xbfspec: {}\n' > x.yaml
