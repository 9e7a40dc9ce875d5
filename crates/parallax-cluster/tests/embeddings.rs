//! Dense embeddings at the clusterer's boundary: where two articles share
//! too few words to be placed together, agreeing embeddings bring them
//! together and disagreeing ones keep them apart; without embeddings the
//! words alone decide, as in the default build. The model's cosines are
//! measured from its cosine to an unrelated article, which the clusterer
//! learns from the articles before: [`FILLERS`] of them come first.

use parallax_cluster::{ArticleInput, ClusterConfig, Clusterer};

/// Two reports of one vote in different words (only "Senate" shared) and
/// an unrelated article that also names the Senate.
const ARTICLES: [(&str, &str); 3] = [
    (
        "Senate passes budget bill after marathon debate",
        "The chamber approved the spending package late on Tuesday by 51 votes to 49.",
    ),
    ("Lawmakers approve the spending plan", "Senate leaders hailed a narrow win for the White House overnight."),
    ("Senate hearing on college sports", "Coaches and athletes testified about paying student players."),
];

/// Unrelated articles before the three, each with its own embedding.
const FILLERS: usize = 40;

/// Dimensions of the test's embeddings: one per filler, and four.
const DIMS: usize = FILLERS + 4;

fn fillers() -> (Vec<String>, Vec<Vec<f32>>) {
    let titles = (0..FILLERS).map(|i| format!("Item{i} quarterly{i} figures{i}")).collect();
    let vectors = (0..FILLERS)
        .map(|i| {
            let mut vector = vec![0.0f32; DIMS];
            vector[4 + i] = 1.0;
            vector
        })
        .collect();
    (titles, vectors)
}

/// Unit vectors: the two reports of the vote agree; the third points away.
fn embedding(index: usize, agreeing: bool) -> Vec<f32> {
    let mut vector = vec![0.0f32; DIMS];
    match (index, agreeing) {
        (0, _) => vector[0] = 1.0,
        (1, true) => vector[0] = 1.0,
        (1, false) => vector[1] = 1.0,
        _ => vector[2] = 1.0,
    }
    vector
}

/// Whether the first two articles end in one story, and whether the third
/// stays alone, given embeddings (`Some(agreeing)`) or none.
fn check(embeddings: Option<bool>, expected_together: bool) {
    let vectors: Vec<Vec<f32>> = (0..ARTICLES.len()).map(|i| embedding(i, embeddings.unwrap_or(true))).collect();
    let (filler_titles, filler_vectors) = fillers();
    let fillers = filler_titles.iter().zip(&filler_vectors).enumerate().map(|(i, (title, vector))| ArticleInput {
        key: (ARTICLES.len() + i) as u64,
        title,
        embedding: embeddings.map(|_| vector.as_slice()),
        ..ArticleInput::default()
    });
    let articles = ARTICLES.iter().enumerate().map(|(i, (title, text))| ArticleInput {
        key: i as u64,
        title,
        text,
        embedding: embeddings.map(|_| vectors[i].as_slice()),
        ..ArticleInput::default()
    });
    let inputs: Vec<ArticleInput> = fillers.chain(articles).collect();
    let mut clusterer = Clusterer::new(ClusterConfig::default()).expect("valid config");
    let stories: Vec<u64> = clusterer.add_batch(&inputs).into_iter().map(|a| a.story).collect();
    let final_story = |key: u64| clusterer.story_of(key).unwrap_or(stories[FILLERS + key as usize]);
    assert_eq!(final_story(0) == final_story(1), expected_together, "embeddings {embeddings:?}: {stories:?}");
    assert_ne!(final_story(2), final_story(0), "the hearing is another event");
}

#[test]
fn words_alone_keep_differently_worded_reports_apart() {
    check(None, false);
}

#[test]
fn agreeing_embeddings_join_differently_worded_reports() {
    check(Some(true), true);
}

#[test]
fn disagreeing_embeddings_keep_them_apart() {
    check(Some(false), false);
}

#[test]
fn an_embedding_of_another_length_is_ignored() {
    let long = vec![0.5f32; 8];
    let short = vec![1.0f32, 0.0, 0.0, 0.0];
    let mut clusterer = Clusterer::new(ClusterConfig::default()).expect("valid config");
    let first = ArticleInput {
        key: 0,
        title: ARTICLES[0].0,
        text: ARTICLES[0].1,
        embedding: Some(&short),
        ..Default::default()
    };
    let second = ArticleInput {
        key: 1,
        title: ARTICLES[1].0,
        text: ARTICLES[1].1,
        embedding: Some(&long),
        ..Default::default()
    };
    let stories: Vec<u64> = clusterer.add_batch(&[first, second]).into_iter().map(|a| a.story).collect();
    assert_ne!(stories[0], stories[1], "mismatched lengths fall back to words");
}
