"""Parse stage: snapshot text in, typed record out (plain Python, no Dagster). Its modules run compiled by
mypyc when ``make setup`` could compile them and they are unchanged since (see ``compiled.py``)."""

from pipeline.parse.compiled import use_compiled_parser

use_compiled_parser()
