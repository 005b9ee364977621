"""Babel extractor: the catalogue's dimension names and indicator texts become msgids."""

import json


def extract_catalogue(fileobj, keywords, comment_tags, options):
    data = json.load(fileobj)
    seen: set[str] = set()
    for form in data.get("forms", []):
        for dimension in form["dimensions"]:
            texts = [(dimension["name"], f"dimension {dimension['code']}")]
            texts += [(i["text"], f"indicator {i['code']}") for i in dimension["indicators"]]
            for text, where in texts:
                if text not in seen:
                    seen.add(text)
                    yield 0, "gettext", text, [f"i18n: {where}"]
