"""The two scikit-learn models behind a risk score, behind one small wrapper.

- anomaly: IsolationForest in a Pipeline, for cold start (no labels). Its raw score becomes a
  0..1 risk through its percentile among training rows, compressed so only the rarest ~0.7% reach
  the default hold threshold.
- classifier: HistGradientBoosting (context columns as ordered codes, risk/encoding.py) calibrated with
  CalibratedClassifierCV, once labels exist; its output is a calibrated fraud probability.

Both keep per-feature reference quantiles of genuine-looking rows, used to name the features that
pushed a score up (see domain/risk/words.py).
"""

import hashlib
import io
import pickle
from dataclasses import dataclass, field

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, IsolationForest
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from domain.risk.features import FeatureSpec
from risk.encoding import OrderedCodes
from risk.fastpredict import FastCalibrated

ANOMALY_SHARPNESS = 50  # percentile ** 50: 99.3rd percentile -> 0.70, 99.9th -> 0.95


def _signed_log(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return np.sign(x) * np.log1p(np.abs(x))


@dataclass
class RiskModel:
    kind: str  # "anomaly" or "classifier"
    spec: FeatureSpec
    pipeline: object = None
    train_scores: np.ndarray | None = None  # anomaly: sorted raw scores of training rows
    low: np.ndarray | None = None  # per-feature 1st percentile of genuine rows
    mid: np.ndarray | None = None
    high: np.ndarray | None = None  # 99th percentile
    extra: dict = field(default_factory=dict)
    fast: FastCalibrated | None = None  # numpy scoring path for numeric-only classifiers
    trained_names: tuple[str, ...] = ()  # as trained: a renamed or redefined feature no longer fits

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.fast is not None and not hasattr(self.fast, "boosts"):  # pickled before batches were scored there
            self.fast = FastCalibrated(self.pipeline)

    @property
    def feature_names(self) -> list[str]:
        return self.spec.names() + list(self.spec.context)

    def _matrix(self, x: np.ndarray, ctx: np.ndarray | None) -> np.ndarray:
        if not self.spec.context:
            return x
        return np.column_stack([ctx.astype(object), x.astype(object)])

    def fit(self, x: np.ndarray, ctx: np.ndarray | None, y: np.ndarray | None = None, seed: int = 0,
            thorough: bool = False) -> "RiskModel":
        """thorough: small, strongly regularised trees learning slowly, half the features per split
        (offline evaluation; chosen on an inner time-based validation of the training part);
        otherwise quicker trees to train daily. Either way one boosted model trained on all rows,
        the CV folds only fit its sigmoid calibration."""
        self.trained_names = tuple(self.spec.names())
        genuine = x if y is None or not (y == 0).any() else x[y == 0]
        self.low, self.mid, self.high = (np.percentile(genuine, q, axis=0) for q in (1, 50, 99))
        if self.kind == "anomaly":
            self.pipeline = Pipeline([("log", FunctionTransformer(_signed_log)),
                                      ("forest", IsolationForest(n_estimators=100, random_state=seed))])
            self.pipeline.fit(x)
            self.train_scores = np.sort(-self.pipeline.score_samples(x))
            return self
        k = len(self.spec.context)
        encode = ColumnTransformer([("context", OrderedCodes(), list(range(k)))],
                                   remainder="passthrough") if k else "passthrough"
        if thorough:  # few, noisy positives in real logs: small, strongly regularised trees generalise
            shape = dict(learning_rate=0.03, max_iter=500, max_leaf_nodes=7, max_depth=4,
                         min_samples_leaf=int(np.clip(len(x) // 200, 20, 400)), l2_regularization=10.0,
                         max_features=0.5)  # each split sees half the features: less reliance on any one
        else:
            shape = dict(learning_rate=0.1, max_iter=150, max_leaf_nodes=15, min_samples_leaf=30, l2_regularization=1.0)
        boost = HistGradientBoostingClassifier(**shape, random_state=seed)
        pipeline = Pipeline([("encode", encode), ("boost", boost)])
        # Folds drawn at random (seeded), not in row order: rows come in time order, with ties in no fixed
        # order, so row-order folds made the calibration depend on how the database returned equal times.
        folds = StratifiedKFold(n_splits=int(min(3, max(2, min(np.bincount(y.astype(int), minlength=2))))),
                                shuffle=True, random_state=seed)
        self.pipeline = CalibratedClassifierCV(pipeline, method="sigmoid", cv=folds, ensemble=False)
        self.pipeline.fit(self._matrix(x, ctx), y.astype(int))
        self.fast = None if k else FastCalibrated(self.pipeline)
        return self

    def score(self, x: np.ndarray, ctx: np.ndarray | None = None, threads: int | None = None) -> np.ndarray:
        """`threads`: OpenMP threads of a numeric classifier's batch (None: all cores; risk/fastpredict.py)."""
        if len(x) == 0:
            return np.zeros(0)
        if self.kind == "anomaly":
            raw = -self.pipeline.score_samples(x)
            rank = np.searchsorted(self.train_scores, raw, side="right") / max(len(self.train_scores), 1)
            return rank ** ANOMALY_SHARPNESS
        if getattr(self, "fast", None) is not None:
            return self.fast(x, threads)
        return self.pipeline.predict_proba(self._matrix(x, ctx))[:, 1]

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        pickle.dump(self, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @staticmethod
    def from_bytes(blob: bytes) -> "RiskModel":
        return pickle.loads(blob)


def sha256(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()
