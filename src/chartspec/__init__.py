"""chartspec: data tables in, canonical Vega-Lite specs out."""
