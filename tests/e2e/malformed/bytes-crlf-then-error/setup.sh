printf 'kind: KmsKey\r\nname: k2\r\nspec: {rotation: {every: x}}\r\n' > x.yaml
