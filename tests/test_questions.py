"""The class's predict-then-reveal questions: each right answer agrees with an independent
computation (numpy's own reshape and roll, the convolution's actual output, the zoo networks run
here), and every question is one the class database accepts."""

import numpy as np
import pytest

from cnnviz import zoo
from cnnviz.classroom import questions
from cnnviz.classroom.submissions import checked_question
from cnnviz.lesson import kernels, ops


def test_the_flatten_question_counts_the_pixels(mnist):
    (_, _), (x_test, _) = mnist
    question = questions.flatten_question()
    assert question.right_choice == str(x_test[0].reshape(-1).size) == "784"
    assert question.page == "matrix"


@pytest.mark.parametrize("size, kernel, stride", [(28, 3, 2), (28, 5, 2), (13, 3, 3), (26, 2, 2)])
def test_the_stride_question_is_the_size_of_the_actual_output(size, kernel, stride):
    question = questions.stride_question(size, kernel, stride)
    output = ops.conv2d(np.zeros((size, size)), np.ones((kernel, kernel)), stride=stride, padding=0)
    assert question.right_choice == f"{output.shape[0]} x {output.shape[1]}"
    assert len(question.choices) >= 3  # the usual slips are offered too
    assert f"= {output.shape[0]}" in question.explanation  # the formula with these numbers


def pooled_and_feature_change(image: np.ndarray, kernel: np.ndarray) -> tuple[float, float]:
    """How much the feature map and its 2x2 max-pooled map change when ``image`` moves a pixel
    right, computed here with np.roll (the digit's borders are empty) and a loop over windows."""
    def feature(picture):
        return np.maximum(ops.conv2d(picture, kernel), 0)

    def pooled(feature_map):
        rows, columns = feature_map.shape[0] // 2, feature_map.shape[1] // 2
        return np.array([[feature_map[2 * r:2 * r + 2, 2 * c:2 * c + 2].max() for c in range(columns)]
                         for r in range(rows)])

    before, after = feature(image), feature(np.roll(image, 1, axis=1))
    change = lambda old, new: np.abs(new - old).sum() / np.abs(old).sum()  # noqa: E731
    return change(before, after), change(pooled(before), pooled(after))


@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_the_pooling_question_agrees_with_a_measurement_made_here(mnist, index):
    (_, _), (x_test, _) = mnist
    question = questions.pooling_question(x_test[index], index)
    feature, pooled = pooled_and_feature_change(x_test[index] / 255.0, kernels.preset_weights("vertical edges"))
    expected = "The pooled map" if pooled < feature - questions.SAME_CHANGE_TOLERANCE else (
        "The feature map" if feature < pooled - questions.SAME_CHANGE_TOLERANCE else "They change the same")
    assert question.right_choice == expected
    assert f"{feature:.0%}" in question.explanation and f"{pooled:.0%}" in question.explanation
    assert question.digit.shape == (28, 28)


@pytest.fixture(scope="module")
def zoo_networks():
    try:
        return {name: zoo.load(name) for name in (questions.MLP, questions.CLASS_CNN)}
    except zoo.ModelUnavailable as error:
        pytest.skip(str(error))


def test_the_shifted_digits_question_runs_the_networks_on_rolled_digits(mnist, zoo_networks):
    (_, _), (x_test, y_test) = mnist
    sample = 300
    question = questions.shifted_digits_question(
        x_test, y_test, lambda name, images: zoo.predict(name, zoo_networks[name], images), sample=sample)
    rolled = np.roll(x_test[:sample], questions.SHIFT_PIXELS, axis=2)  # MNIST's borders are empty
    accuracy = {name: float(np.mean(zoo.predict(name, model, rolled).argmax(1) == y_test[:sample]))
                for name, model in zoo_networks.items()}
    assert accuracy[questions.CLASS_CNN] > accuracy[questions.MLP] + questions.SAME_CHANGE_TOLERANCE
    assert question.right_choice == "The CNN"
    assert f"**{accuracy[questions.MLP]:.0%}**" in question.explanation
    assert f"**{accuracy[questions.CLASS_CNN]:.0%}**" in question.explanation


def test_the_cnn_question_asks_about_a_digit_the_cnn_misreads(mnist, zoo_networks):
    (_, _), (x_test, y_test) = mnist
    images, labels = x_test[:2000], y_test[:2000]
    probabilities = zoo.predict(questions.CLASS_CNN, zoo_networks[questions.CLASS_CNN], images)
    question = questions.cnn_answer_question(images, labels, probabilities)
    index = int(question.explanation.split("#")[1].split(" ")[0].replace(",", ""))
    own = zoo.predict(questions.CLASS_CNN, zoo_networks[questions.CLASS_CNN], x_test[index:index + 1])
    assert question.right_choice == str(int(own.argmax())) != str(int(y_test[index]))
    np.testing.assert_array_equal(question.digit, x_test[index] / np.float32(255))


def test_the_cnn_question_needs_a_mistake():
    images = np.zeros((3, 28, 28), np.uint8)
    with pytest.raises(ValueError, match="every one"):
        questions.cnn_answer_question(images, np.array([0, 1, 2]), np.eye(10)[:3])


def test_every_question_is_one_the_class_database_accepts(mnist):
    (_, _), (x_test, y_test) = mnist
    fake_probabilities = np.eye(10)[(y_test[:50] + 1) % 10]
    built = [questions.flatten_question(), questions.stride_question(),
             questions.pooling_question(x_test[0], 0),
             questions.shifted_digits_question(x_test, y_test, lambda name, images: np.eye(10)[
                 np.zeros(len(images), int)], sample=20),
             questions.cnn_answer_question(x_test[:50], y_test[:50], fake_probabilities)]
    assert len({question.page for question in built}) == len(built) >= 4  # four lesson steps or more
    for question in built:
        assert checked_question(question.question_id, question.choices) == (question.question_id,
                                                                            question.choices)
        assert question.right_choice in question.choices
        assert question.explanation.count("**") >= 2  # the computed answer is in bold


def test_a_question_whose_answer_is_not_a_choice_is_refused():
    with pytest.raises(ValueError, match="one of"):
        questions.Question("q", "matrix", "?", ("a", "b"), "c", "because")
