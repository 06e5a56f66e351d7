"""Analysis of an index: what-if, uncertainty, sensitivity, audit, trends, calibration.

Each module is imported on its own (several need scipy):

* :mod:`aiindex.analysis.scenarios`: what-if overlays, leave-one-out, decomposition;
* :mod:`aiindex.analysis.uncertainty`: the Monte Carlo engine over methodological choices;
* :mod:`aiindex.analysis.sensitivity`: Sobol' first- and total-order indices;
* :mod:`aiindex.analysis.audit`: correlations, Cronbach's alpha, PCA, unit profiles;
* :mod:`aiindex.analysis.trends`: trends and gaps over a panel run;
* :mod:`aiindex.analysis.calibrate`: weights that reproduce published scores;
* :mod:`aiindex.analysis.identify`: how much published scores pin the weights down;
* :mod:`aiindex.analysis.bounds`: exact rank bounds over a set of weights, SMAA;
* :mod:`aiindex.analysis.importance`: nominal weight against measured importance;
* :mod:`aiindex.analysis.optimize`: weights of a level optimised against the index (COINr
  ``get_opt_weights``);
* :mod:`aiindex.analysis.compare`: two or more results aligned: score and rank changes, rank
  correlations, movers;
* :mod:`aiindex.analysis.anchors`: an index scored against published facts (scorecard);
* :mod:`aiindex.analysis.provenance`: each unit's score share resting on imputed cells.
"""

from __future__ import annotations

__all__: list[str] = []
