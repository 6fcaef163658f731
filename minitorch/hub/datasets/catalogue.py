"""The catalogue: one entry per data set, with where it comes from and how to read it.

Checksums are pinned here, never computed on the fly: md5 where the publisher
gives only an md5 (MNIST, CIFAR-10, Imagenette...), sha256 of the exact bytes
wherever we know them. An entry whose offline copy differs from the published
files (the CIFAR-10 JPEGs, the 224-pixel Imagenette subset, the first 50,000
GloVe words) is its own *variant* entry with its own checksums, so a checksum
never vouches for bytes it was not computed on.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from .entry import DataFile, Dataset, Member
from .loaders import (
    ImageArrays,
    TextSplits,
    WordVectors,
    load_cifar_batches,
    load_glove,
    load_idx_set,
    load_image_folder,
    load_labelled_csv,
    load_sst2,
)

MNIST_URLS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

FASHION_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]  # fmt: skip

IMAGENETTE_CLASSES = {
    "n01440764": "tench",
    "n02102040": "English springer",
    "n02979186": "cassette player",
    "n03000684": "chain saw",
    "n03028079": "church",
    "n03394916": "French horn",
    "n03417042": "garbage truck",
    "n03425413": "gas pump",
    "n03445777": "golf ball",
    "n03888257": "parachute",
}

IDX_LAYOUT = """\
train-images-idx3-ubyte.gz   60,000 x 28 x 28 uint8 (IDX, gzipped)
train-labels-idx1-ubyte.gz   60,000 uint8
t10k-images-idx3-ubyte.gz    10,000 x 28 x 28 uint8
t10k-labels-idx1-ubyte.gz    10,000 uint8"""


def _idx_files(base_urls: tuple[str, ...], pinned: dict[str, tuple[str, str, str, int]]):
    """DataFiles for the four IDX files: name -> (md5, sha256, content sha256, size)."""
    return tuple(
        DataFile(
            path=name,
            urls=tuple(base + name for base in base_urls),
            md5=md5,
            sha256=sha256,
            content_sha256=content,
            size=size,
            split="train" if name.startswith("train") else "test",
        )
        for name, (md5, sha256, content, size) in pinned.items()
    )


# ------------------------------------------------------------------ loaders


def _load_mnist(root: Path) -> ImageArrays:
    return load_idx_set(root, classes=[str(d) for d in range(10)])


def _load_fashion_mnist(root: Path) -> ImageArrays:
    return load_idx_set(root, classes=FASHION_CLASSES)


def _load_imdb_sample(root: Path) -> TextSplits:
    return load_labelled_csv(root / "texts.csv")


def _load_glove(root: Path, max_words: int | None = None) -> WordVectors:
    return load_glove(root, max_words=max_words)


# ------------------------------------------------------------------ entries

MNIST = Dataset(
    name="mnist",
    title="MNIST handwritten digits",
    description="70,000 grey-scale 28x28 images of handwritten digits 0-9: "
    "60,000 for training, 10,000 for testing.",
    license="CC BY-SA 3.0",
    citation="Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. Gradient-based learning applied "
    "to document recognition. Proceedings of the IEEE 86(11):2278-2324, 1998.",
    homepage="http://yann.lecun.com/exdb/mnist/",
    mirror="mnist",
    files=_idx_files(
        MNIST_URLS,
        {
            "train-images-idx3-ubyte.gz": (
                "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                9912422,
            ),
            "train-labels-idx1-ubyte.gz": (
                "d53e105ee54ea40749a09fcbcd1e9432",
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                28881,
            ),
            "t10k-images-idx3-ubyte.gz": (
                "9fb629c4189551a2d022fa330f9573f3",
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                1648877,
            ),
            "t10k-labels-idx1-ubyte.gz": (
                "ec29112dd5afa0611ce80d1b7f02629c",
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
                4542,
            ),
        },
    ),
    layout=IDX_LAYOUT,
    loader=_load_mnist,
)

FASHION_MNIST = Dataset(
    name="fashion_mnist",
    aliases=("fashion-mnist", "fashionmnist"),
    title="Fashion-MNIST",
    description="70,000 grey-scale 28x28 images of Zalando clothing in 10 classes, "
    "a drop-in replacement for MNIST: 60,000 training, 10,000 test.",
    license="MIT",
    citation="H. Xiao, K. Rasul, R. Vollgraf. Fashion-MNIST: a Novel Image Dataset for "
    "Benchmarking Machine Learning Algorithms. arXiv:1708.07747, 2017.",
    homepage="https://github.com/zalandoresearch/fashion-mnist",
    mirror="fashion-mnist",
    # Debian's dataset-fashion-mnist package re-gzips the same files: other md5,
    # same content, accepted through content_sha256.
    system_mirrors=("/usr/share/datasets",),
    files=_idx_files(
        (FASHION_URL,),
        {
            "train-images-idx3-ubyte.gz": (
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
                26421880,
            ),
            "train-labels-idx1-ubyte.gz": (
                "25c81989df183df01b3e8a0aad5dffbe",
                "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
                29515,
            ),
            "t10k-images-idx3-ubyte.gz": (
                "bef4ecab320f06d8554ea6380940ec79",
                "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
                4422102,
            ),
            "t10k-labels-idx1-ubyte.gz": (
                "bb300cfdad3c16e7a12a480ee83cd310",
                "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
                5148,
            ),
        },
    ),
    layout=IDX_LAYOUT,
    loader=_load_fashion_mnist,
    notes="Debian's `apt-get install dataset-fashion-mnist` copy in /usr/share/datasets is "
    "used when present; it is re-gzipped (other md5), so it is verified on its decompressed "
    "content.",
)

CIFAR10 = Dataset(
    name="cifar10",
    aliases=("cifar-10",),
    title="CIFAR-10 (python version)",
    description="60,000 colour 32x32 images in 10 classes (6,000 per class): 50,000 "
    "training images in five pickled batches, 10,000 test images.",
    license="none stated",
    citation="A. Krizhevsky. Learning Multiple Layers of Features from Tiny Images. "
    "Technical report, University of Toronto, 2009.",
    homepage="https://www.cs.toronto.edu/~kriz/cifar.html",
    mirror="cifar10",
    files=(
        DataFile(
            path="cifar-10-python.tar.gz",
            urls=("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
            md5="c58f30108f718f92721af3b95e74349a",
            size=170498071,
            unpack=True,
        ),
    ),
    layout="cifar-10-python.tar.gz          the published archive\n"
    "cifar-10-batches-py/            data_batch_1..5, test_batch (pickled dicts), batches.meta",
    loader=load_cifar_batches,
)

CIFAR10_JPEG = Dataset(
    name="cifar10_jpeg",
    aliases=("cifar10-jpeg",),
    variant_of="cifar10",
    title="CIFAR-10 as JPEG files (offline mirror copy)",
    description="All 60,000 CIFAR-10 images as JPEG files, one folder per class, in the "
    "original within-class order: train/ (50,000) and test/ (10,000).",
    license="none stated",
    citation=CIFAR10.citation,
    homepage=CIFAR10.homepage,
    mirror="cifar10-jpeg",
    splits=("train", "test"),
    files=(
        DataFile(
            path="train.tar.gz",
            sha256="539a2defbe73f0e301e27c4ad6d0e5710c50a675f4bba542b3bc662ae55ed329",
            size=16474756,
            split="train",
            unpack=True,
        ),
        DataFile(
            path="test.tar.gz",
            sha256="bad3e8b14e6dc6746b11277f1296e5bab2db02b25f3763bf60c35639bd300085",
            size=3291243,
            split="test",
            unpack=True,
        ),
    ),
    layout="train/<class>/NNNN.jpg   5,000 per class\ntest/<class>/NNNN.jpg    1,000 per class",
    loader=partial(load_image_folder, train="train", valid="test"),
    notes="Not the published files: lossy JPEG re-encodes (mean absolute error about 6/255) "
    "distributed only through mirrors. Use `cifar10` for the canonical pickled batches.",
)

IMAGENETTE = Dataset(
    name="imagenette",
    aliases=("imagenette2-160", "imagenette_160"),
    title="Imagenette (160 px)",
    description="fast.ai's 10 easily told apart ImageNet classes, shortest side resized to "
    "160 px: 9,469 training and 3,925 validation images.",
    license="Apache-2.0 (the images come from ImageNet; its terms of use apply)",
    citation="J. Howard. Imagenette. https://github.com/fastai/imagenette, 2019.",
    homepage="https://github.com/fastai/imagenette",
    mirror="imagenette",
    files=(
        DataFile(
            path="imagenette2-160.tgz",
            urls=("https://s3.amazonaws.com/fast-ai-imageclas/imagenette2-160.tgz",),
            md5="c475f8f7617a200ba35b9facc48443c3",
            size=99003388,
            unpack=True,
        ),
    ),
    layout="imagenette2-160.tgz                      the published archive\n"
    "imagenette2-160/{train,val}/<wnid>/*.JPEG  noisy_imagenette.csv",
    loader=partial(load_image_folder, subdir="imagenette2-160", class_names=IMAGENETTE_CLASSES),
)

IMAGENETTE_224_SUBSET = Dataset(
    name="imagenette_224_subset",
    aliases=("imagenette2-224-subset",),
    variant_of="imagenette",
    title="Imagenette, 1,500-image 224 px subset (offline mirror copy)",
    description="1,500 Imagenette images (100 per class for training, 50 per class for "
    "validation), resized to 224x224, with the original file names and split.",
    license=IMAGENETTE.license,
    citation=IMAGENETTE.citation,
    homepage=IMAGENETTE.homepage,
    mirror="imagenette2-224-subset",
    splits=("train", "val"),
    manifest=DataFile(
        path="SHA256SUMS",
        sha256="4f9afedd7ed86f915328d99cab4066e2f164ca94df5aa33223ccecb27ff740f2",
        size=160363,
    ),
    files=(),  # listed, with their sha256, in the pinned manifest
    layout="classes.csv                     wnid,name\n"
    "{train,val}/<wnid>/*.JPEG       100 / 50 per class, 224x224",
    loader=partial(load_image_folder, class_names=IMAGENETTE_CLASSES),
    notes="Not the published files: resized and re-encoded, distributed only through mirrors. "
    "Use `imagenette` for fast.ai's full 160 px release.",
)

SST2_ZIP = DataFile(path="SST-2.zip", urls=("https://dl.fbaipublicfiles.com/glue/data/SST-2.zip",))

SST2 = Dataset(
    name="sst2",
    aliases=("sst-2", "glue_sst2"),
    title="SST-2 (GLUE)",
    description="Stanford Sentiment Treebank, binary: movie-review sentences labelled "
    "0 (negative) or 1 (positive). 67,349 train, 872 dev, 1,821 unlabelled test.",
    license="none stated",
    citation="R. Socher et al. Recursive Deep Models for Semantic Compositionality Over a "
    "Sentiment Treebank. EMNLP 2013. As packaged by GLUE: A. Wang et al., ICLR 2019.",
    homepage="https://gluebenchmark.com/tasks",
    mirror="sst2",
    files=tuple(
        DataFile(
            path=name,
            sha256=sha256,
            size=size,
            split=split,
            # GLUE publishes no checksum, so the rows are checked against the mirror's
            origin=Member(SST2_ZIP, f"SST-2/{name}", same_bytes=True),
        )
        for name, sha256, size, split in (
            (
                "train.tsv",
                "48eac26399f8456935f81dd9e3a745c1430adb6c62e233ccfe22db4a0d15d1d1",
                3806081,
                "train",
            ),
            (
                "dev.tsv",
                "54a9c12c77e402fc14d6a66a506f24d999f596b0176eb777c972cccc2f9cc4b0",
                94931,
                "valid",
            ),
            (
                "test.tsv",
                "69a938605609b3e6663b4487918fe1565eb293734e6e520d0366d1d412fd2a13",
                197335,
                "test",
            ),
        )
    ),
    layout="train.tsv   sentence<TAB>label\ndev.tsv     sentence<TAB>label\n"
    "test.tsv    index<TAB>sentence",
    loader=load_sst2,
    notes="GLUE publishes no checksum for SST-2.zip; its members are checked against the "
    "sha256 of the mirror copy, which has the same rows and format.",
)

IMDB_SAMPLE = Dataset(
    name="imdb_sample",
    aliases=("imdb-sample",),
    title="IMDB sample (fast.ai)",
    description="1,000 IMDB movie reviews labelled negative/positive, with an is_valid "
    "column splitting them into 800 training and 200 validation reviews.",
    license="none stated",
    citation="A. Maas et al. Learning Word Vectors for Sentiment Analysis. ACL 2011. "
    "Sample by fast.ai.",
    homepage="https://docs.fast.ai/data.external.html",
    mirror="imdb_sample",
    files=(
        DataFile(
            path="texts.csv",
            sha256="91240460ea1226e2ebe64689addc2a3d7a0fd233ee42a589aec222ea973ac242",
            size=1427008,
            origin=Member(
                DataFile(
                    path="imdb_sample.tgz",
                    urls=("https://s3.amazonaws.com/fast-ai-sample/imdb_sample.tgz",),
                    md5="0842e61a9867caa2e6fbdb14fa703d61",
                ),
                "imdb_sample/texts.csv",
            ),
        ),
    ),
    layout="texts.csv   label,text,is_valid (CSV with a header row)",
    loader=_load_imdb_sample,
)

GLOVE_ZIP = DataFile(
    path="glove.6B.zip",
    urls=("https://nlp.stanford.edu/data/glove.6B.zip",),
    md5="056ea991adb4740ac6bf1b6d9b50408b",
)

GLOVE_6B_50D = Dataset(
    name="glove_6b_50d",
    aliases=("glove", "glove.6b.50d"),
    title="GloVe 6B, 50 dimensions",
    description="400,000 lower-cased words with 50-dimensional vectors trained on Wikipedia "
    "2014 + Gigaword 5 (6 billion tokens), most frequent words first.",
    license="PDDL-1.0",
    citation="J. Pennington, R. Socher, C. D. Manning. GloVe: Global Vectors for Word "
    "Representation. EMNLP 2014.",
    homepage="https://nlp.stanford.edu/projects/glove/",
    mirror="glove",
    files=(DataFile(path="glove.6B.50d.txt", origin=Member(GLOVE_ZIP, "glove.6B.50d.txt")),),
    layout="glove.6B.50d.txt   word v1 ... v50, one word per line (the 862 MB glove.6B.zip "
    "it comes from stays in $MINITORCH_HOME/downloads)",
    loader=_load_glove,
)

GLOVE_6B_50D_TOP50K = Dataset(
    name="glove_6b_50d_top50k",
    aliases=("glove-top50k",),
    variant_of="glove_6b_50d",
    title="GloVe 6B 50d, the 50,000 most frequent words (offline mirror copy)",
    description="The first 50,000 lines of glove.6B.50d.txt, byte for byte.",
    license=GLOVE_6B_50D.license,
    citation=GLOVE_6B_50D.citation,
    homepage=GLOVE_6B_50D.homepage,
    mirror="glove",
    files=(
        DataFile(
            path="glove.6B.50d.top50000.txt",
            sha256="b961b7b88bb09d21275c5ca3b1b686eeb629631c74e2e5c64e22ea30f255fd4e",
            size=21357789,
        ),
    ),
    layout="glove.6B.50d.top50000.txt   word v1 ... v50, 50,000 lines",
    loader=_load_glove,
    notes="Distributed only through mirrors; `load('glove_6b_50d', max_words=50000)` gives "
    "the same words and vectors from the canonical archive.",
)

CATALOGUE: dict[str, Dataset] = {
    entry.name: entry
    for entry in (
        MNIST,
        FASHION_MNIST,
        CIFAR10,
        CIFAR10_JPEG,
        IMAGENETTE,
        IMAGENETTE_224_SUBSET,
        SST2,
        IMDB_SAMPLE,
        GLOVE_6B_50D,
        GLOVE_6B_50D_TOP50K,
    )
}
"""Every entry by name. Add a data set by adding an entry here."""

_ALIASES = {alias.lower(): entry.name for entry in CATALOGUE.values() for alias in entry.aliases}


def get(name: str) -> Dataset:
    """Find an entry by name or alias (case-insensitive; ``-`` and ``_`` are the same).

    Raises:
        KeyError: no such data set; the message lists the known names.
    """
    key = name.strip().lower()
    for candidate in (key, key.replace("-", "_")):
        if candidate in CATALOGUE:
            return CATALOGUE[candidate]
        if candidate in _ALIASES:
            return CATALOGUE[_ALIASES[candidate]]
    raise KeyError(f"no data set named {name!r}; known: {', '.join(sorted(CATALOGUE))}")


def variants(name: str) -> list[Dataset]:
    """The entries that are variants of ``name`` (e.g. imagenette -> imagenette_224_subset)."""
    return [e for e in CATALOGUE.values() if e.variant_of == get(name).name]
