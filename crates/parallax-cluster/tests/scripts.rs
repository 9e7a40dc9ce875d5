//! Articles in Cyrillic and Greek join the story of the same event told in
//! English: their names are transliterated (`deunicode`) before they are
//! matched, which is all that survives translation.

use parallax_cluster::{ArticleInput, ClusterConfig, Clusterer};

fn article<'a>(key: u64, title: &'a str, text: &'a str, language: &'a str) -> ArticleInput<'a> {
    ArticleInput { key, title, text, language: Some(language), ..ArticleInput::default() }
}

/// Stories of the articles, in order, each added one at a time.
fn stories(articles: &[ArticleInput]) -> Vec<u64> {
    let mut clusterer = Clusterer::new(ClusterConfig::default()).expect("valid config");
    let mut story = Vec::new();
    for input in articles {
        let assignment = clusterer.add(input);
        for &(absorbed, into) in &assignment.merged {
            for s in story.iter_mut() {
                if *s == absorbed {
                    *s = into;
                }
            }
        }
        story.push(assignment.story);
    }
    story
}

#[test]
fn cyrillic_and_greek_reports_join_the_english_story() {
    let articles = [
        article(
            0,
            "Putin and Tsipras sign Gazprom pipeline deal",
            "Vladimir Putin and Alexis Tsipras signed a Gazprom pipeline agreement, Sergei Lavrov and \
             Nikos Kotzias said. Alexei Miller of Gazprom called it a deal for Greece.",
            "en",
        ),
        article(
            1,
            "Merkel and Macron meet in Berlin on eurozone budget",
            "Angela Merkel and Emmanuel Macron agreed a plan for a eurozone budget, Olaf Scholz and \
             Bruno Le Maire said in Berlin.",
            "en",
        ),
        article(
            2,
            "Путин и Ципрас подписали соглашение",
            "Владимир Путин и Алексис Ципрас подписали соглашение о газопроводе. Об этом сообщили \
             Сергей Лавров и Никос Коцияс. Алексей Миллер заявил, что Газпром доволен.",
            "ru",
        ),
        article(
            3,
            "Πούτιν και Τσίπρας υπέγραψαν συμφωνία",
            "Ο Βλαντιμίρ Πούτιν και ο Αλέξης Τσίπρας υπέγραψαν συμφωνία για τον αγωγό της Γκαζπρόμ. \
             Ο Σεργκέι Λαβρόφ και ο Νίκος Κοτζιάς το ανακοίνωσαν.",
            "el",
        ),
        article(
            4,
            "Меркель и Макрон встретились в Берлине",
            "Ангела Меркель и Эмманюэль Макрон договорились о бюджете еврозоны. Об этом сообщили \
             Олаф Шольц и Бруно Ле Мэр.",
            "ru",
        ),
    ];
    // Each report meets the English story on its own: between the two
    // translations themselves fewer names agree (Cyrillic "Алексис" and
    // Greek "Αλέξης" come out "Aleksis" and "Alexis").
    for (report, script) in [(2, "Russian"), (3, "Greek")] {
        let story = stories(&[articles[0], articles[1], articles[report]]);
        assert_eq!(story[2], story[0], "the {script} report joins the English story: {story:?}");
        assert_ne!(story[0], story[1], "{story:?}");
    }
    let story = stories(&[articles[0], articles[1], articles[4]]);
    assert_ne!(story[2], story[0], "a Russian report of another event stays apart: {story:?}");
}
